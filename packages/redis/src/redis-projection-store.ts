// The projection store on Redis: key-value read models guarded per key by log cursor, checkpoints in a hash, leases with tokens.
import {
  CheckpointMoved,
  compareCursors,
  logStart,
  type CheckpointAdvance,
  type LogCursor,
  type ProjectionCheckpoint,
  type ProjectionDefinition,
  type ProjectionLease,
  type ProjectionStore,
} from '@twofold/core';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { tryAcquireRedisLease } from './redis-lease.js';
import { bufferedRedisSession, redisReader, writeArguments, type RedisReader, type RedisSession, type RedisWrite } from './redis-session.js';
import { commitScript, writeScript } from './scripts.js';

export interface RedisProjectionStoreOptions {
  /** Prefix of every key and channel the store uses. Default `twofold:`. */
  readonly keyPrefix?: string;
  /** A lease not renewed for this long expires. Default 5000 ms. */
  readonly leaseTtlMs?: number;
  /** Default a third of the ttl. */
  readonly leaseRenewMs?: number;
  /**
   * Writes per script call. A batch with more is written in several calls before the last one moves the checkpoint:
   * a crash or a lost race in between leaves writes that a redelivery of the batch does not apply again. Default 1000.
   */
  readonly maxWritesPerScript?: number;
}

export interface RedisProjectionStore extends ProjectionStore<RedisSession> {
  /** Reads the committed read model of a projection (outside any batch). */
  reader(projection: string): RedisReader;
}

// in the checkpoints hash, positions are decimal strings: Lua compares them exactly, and JSON numbers above 2^53 would not survive
interface StoredCheckpoint {
  readonly version: number;
  readonly transactionId: string;
  readonly position: string;
  readonly lastEventAt: string | null;
  readonly updatedAt: string;
}

const toCheckpoint = (name: string, json: string): ProjectionCheckpoint => {
  const stored = JSON.parse(json) as StoredCheckpoint;
  return {
    name,
    version: stored.version,
    cursor: { transactionId: Number(stored.transactionId), position: Number(stored.position) },
    lastEventAt: stored.lastEventAt === null ? undefined : new Date(stored.lastEventAt),
    updatedAt: new Date(stored.updatedAt),
  };
};

const storedCheckpoint = (version: number, cursor: LogCursor, lastEventAt: Date | undefined): string =>
  JSON.stringify({
    version,
    transactionId: String(cursor.transactionId),
    position: String(cursor.position),
    lastEventAt: lastEventAt?.toISOString() ?? null,
    updatedAt: new Date().toISOString(),
  } satisfies StoredCheckpoint);

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
};

/** A projection store over `redis`, which stays the caller's: `close` ends only what the store opened. Not for Redis Cluster. */
export function redisProjectionStore(redis: Redis, options: RedisProjectionStoreOptions = {}): RedisProjectionStore {
  const { keyPrefix = 'twofold:', leaseTtlMs = 5_000, maxWritesPerScript = 1_000 } = options;
  const { leaseRenewMs = Math.floor(leaseTtlMs / 3) } = options;
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 10) throw new RangeError('leaseTtlMs must be an integer of at least 10');
  if (!Number.isInteger(leaseRenewMs) || leaseRenewMs < 1 || leaseRenewMs >= leaseTtlMs) throw new RangeError('leaseRenewMs must be a positive integer below leaseTtlMs');
  if (!Number.isInteger(maxWritesPerScript) || maxWritesPerScript < 1) throw new RangeError('maxWritesPerScript must be a positive integer');

  const checkpointsKey = `${keyPrefix}checkpoints`;
  const channel = `${keyPrefix}checkpoint-moved`;
  const leaseKey = (name: string): string => `${keyPrefix}lease:${name}`;
  const leases = new Set<ProjectionLease>();
  const listeners = new Set<() => void>();
  let subscriber: Redis | undefined;

  const writeAll = async (writes: readonly RedisWrite[]): Promise<void> => {
    for (const chunk of chunks(writes, maxWritesPerScript)) {
      await redisCall(runScript(redis, writeScript, chunk.map((w) => w.key), writeArguments(chunk)));
    }
  };

  const readCheckpoint = async (name: string): Promise<ProjectionCheckpoint | undefined> => {
    const json = await redisCall(redis.hget(checkpointsKey, name));
    return json === null ? undefined : toCheckpoint(name, json);
  };

  const wakeAll = (): void => {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // a listener's failure is its own
      }
    }
  };

  function listen(): void {
    if (subscriber !== undefined) return;
    const connection = redis.duplicate();
    subscriber = connection;
    // failures show as reconnects; after one, moves may have been missed, so every listener is woken
    connection.on('error', () => undefined);
    let connectedBefore = false;
    connection.on('ready', () => {
      if (connectedBefore) wakeAll();
      connectedBefore = true;
    });
    connection.on('message', (from: string) => {
      if (from === channel) wakeAll();
    });
    connection.subscribe(channel).catch(() => undefined);
  }

  async function prepare(projection: ProjectionDefinition<RedisSession>): Promise<ProjectionCheckpoint> {
    if (projection.setup !== undefined) {
      const session = bufferedRedisSession(redis, keyPrefix, projection.name);
      await projection.setup(session);
      await writeAll(session.seal());
    }
    await redisCall(redis.hsetnx(checkpointsKey, projection.name, storedCheckpoint(projection.version, logStart, undefined)));
    const checkpoint = await readCheckpoint(projection.name);
    if (checkpoint === undefined) throw new Error(`the checkpoint of ${projection.name} vanished while it was prepared`);
    return checkpoint;
  }

  async function commitBatch(
    name: string,
    from: LogCursor,
    to: CheckpointAdvance,
    apply: (session: RedisSession) => Promise<void>,
    options: Parameters<ProjectionStore<RedisSession>['commitBatch']>[4] = {},
  ): Promise<void> {
    // this store has no administration (administrationOf gives undefined): refuse what it would otherwise lose silently
    if ((options.deadLetters?.length ?? 0) > 0) throw new Error(`the Redis projection store keeps no dead letters (${name})`);
    if (options.generation !== undefined) throw new Error(`the Redis projection store has no rebuild generations (${name})`);
    const current = await readCheckpoint(name);
    if (current === undefined || compareCursors(current.cursor, from) !== 0) throw new CheckpointMoved(name);
    const session = bufferedRedisSession(redis, keyPrefix, name);
    await apply(session);
    const writes = session.seal();
    const last = writes.slice(Math.max(0, writes.length - maxWritesPerScript));
    await writeAll(writes.slice(0, writes.length - last.length));
    // the checkpoint moves in the same script as the last writes, only if it is still at `from`
    const moved = await redisCall(
      runScript(
        redis,
        commitScript,
        [checkpointsKey, ...last.map((w) => w.key)],
        [name, String(from.transactionId), String(from.position), storedCheckpoint(current.version, to.cursor, to.lastEventAt), channel, ...writeArguments(last)],
      ),
    );
    if (moved !== 1) throw new CheckpointMoved(name);
  }

  return {
    prepare,
    commitBatch,

    async readCheckpoints(names) {
      if (names === undefined) {
        const all = await redisCall(redis.hgetall(checkpointsKey));
        return Object.entries(all).map(([name, json]) => toCheckpoint(name, json));
      }
      const unique = [...new Set(names)];
      if (unique.length === 0) return [];
      const found = await redisCall(redis.hmget(checkpointsKey, ...unique));
      return unique.flatMap((name, i) => (found[i] == null ? [] : [toCheckpoint(name, found[i]!)]));
    },

    async tryAcquireLease(name) {
      const lease = await tryAcquireRedisLease(redis, leaseKey(name), { ttlMs: leaseTtlMs, renewEveryMs: leaseRenewMs });
      if (lease === undefined) return undefined;
      leases.add(lease);
      return {
        get lost() {
          return lease.lost;
        },
        async release() {
          leases.delete(lease);
          await lease.release();
        },
      };
    },

    subscribe(listener) {
      listen();
      // a publication says only that a checkpoint may have moved: listeners read the checkpoints
      const wrapped = (): void => listener(undefined);
      listeners.add(wrapped);
      return () => {
        listeners.delete(wrapped);
      };
    },

    // no operator controls (pause, rebuild, dead letters) live in Redis: nothing to tell runners beyond new events
    subscribeToControl() {
      return () => undefined;
    },

    reader(projection) {
      return redisReader(redis, keyPrefix, projection);
    },

    /** Releases this store's leases and ends its subscriber connection; the caller's client stays open. */
    async close() {
      listeners.clear();
      await Promise.all([...leases].map((lease) => lease.release()));
      leases.clear();
      const connection = subscriber;
      subscriber = undefined;
      if (connection !== undefined) await connection.quit().catch(() => connection.disconnect());
    },
  };
}
