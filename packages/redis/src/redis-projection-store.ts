// The projection store on Redis: key-value read models guarded per key by log cursor, checkpoints in a hash, leases
// with tokens, and the administration PostgreSQL has: pause, sequenced dead letters, blue/green rebuilds by generation.
import {
  CheckpointMoved,
  NotFound,
  compareCursors,
  cursorOf,
  logStart,
  type AdministeredProjectionStore,
  type DeadLetter,
  type ProjectionCheckpoint,
  type ProjectionDefinition,
  type ProjectionLease,
  type RebuildProgress,
} from '@twofold/core';
import { cursorFrom, initialCheckpoint, toCheckpoint, type StoredCheckpoint } from './redis-checkpoint.js';
import { runScript, type Redis } from './redis-client.js';
import { storedLetter, toDeadLetter, type StoredDeadLetter } from './redis-dead-letter.js';
import { redisCall } from './redis-errors.js';
import { deleteKeysMatching, globEscape } from './redis-key-sweep.js';
import { tryAcquireRedisLease } from './redis-lease.js';
import {
  bufferedRedisSession,
  generationKeyPrefix,
  generationsKey,
  redisReader,
  writeArguments,
  type RedisReader,
  type RedisSession,
  type RedisWrite,
} from './redis-session.js';
import {
  commitScript,
  dropDeadLettersScript,
  patchCheckpointScript,
  requestRebuildScript,
  retryDeadLetterScript,
  switchGenerationScript,
  writeScript,
} from './scripts.js';

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
  /** Keys deleted per UNLINK when an old generation is swept after a switch. Default 500. */
  readonly sweepChunkSize?: number;
}

export interface RedisProjectionStore extends AdministeredProjectionStore<RedisSession> {
  /** Reads the committed read model of a projection (outside any batch), in the generation readers see. */
  reader(projection: string): RedisReader;
  /** Resolves when the old generations being deleted in the background are gone. */
  swept(): Promise<void>;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
};

// names become parts of keys and of SCAN patterns: `:` and `@` separate them, glob characters would widen a sweep
const plainName = /^[A-Za-z0-9_-]{1,100}$/;
const checkName = (name: string): void => {
  if (!plainName.test(name)) throw new RangeError(`a Redis projection name is letters, digits, _ and - (at most 100), not ${JSON.stringify(name)}`);
};

/** A projection store over `redis`, which stays the caller's: `close` ends only what the store opened. Not for Redis Cluster. */
export function redisProjectionStore(redis: Redis, options: RedisProjectionStoreOptions = {}): RedisProjectionStore {
  const { keyPrefix = 'twofold:', leaseTtlMs = 5_000, maxWritesPerScript = 1_000, sweepChunkSize = 500 } = options;
  const { leaseRenewMs = Math.floor(leaseTtlMs / 3) } = options;
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 10) throw new RangeError('leaseTtlMs must be an integer of at least 10');
  if (!Number.isInteger(leaseRenewMs) || leaseRenewMs < 1 || leaseRenewMs >= leaseTtlMs) throw new RangeError('leaseRenewMs must be a positive integer below leaseTtlMs');
  if (!Number.isInteger(maxWritesPerScript) || maxWritesPerScript < 1) throw new RangeError('maxWritesPerScript must be a positive integer');
  if (!Number.isInteger(sweepChunkSize) || sweepChunkSize < 1) throw new RangeError('sweepChunkSize must be a positive integer');

  // none of these keys has a time to live: under any volatile-* maxmemory-policy Redis never evicts them
  const checkpointsKey = `${keyPrefix}checkpoints`;
  const generations = generationsKey(keyPrefix);
  const letterSequenceKey = `${keyPrefix}dead-letter-sequence`;
  const lettersKey = (name: string): string => `${keyPrefix}dead-letters:${name}`;
  const letterEventsKey = (name: string): string => `${keyPrefix}dead-letter-events:${name}`;
  const channel = `${keyPrefix}checkpoint-moved`;
  const controlChannel = `${keyPrefix}projection-control`;
  const leaseKey = (name: string): string => `${keyPrefix}lease:${name}`;
  const leases = new Set<ProjectionLease>();
  const listeners = new Set<() => void>();
  const controlListeners = new Set<() => void>();
  const sweeps = new Set<Promise<void>>();
  let subscriber: Redis | undefined;

  const writeAll = async (writes: readonly RedisWrite[]): Promise<void> => {
    for (const chunk of chunks(writes, maxWritesPerScript)) {
      await redisCall(runScript(redis, writeScript, chunk.map((w) => w.key), writeArguments(chunk)));
    }
  };

  const readStored = async (name: string): Promise<StoredCheckpoint | undefined> => {
    const json = await redisCall(redis.hget(checkpointsKey, name));
    return json === null ? undefined : (JSON.parse(json) as StoredCheckpoint);
  };

  async function readCheckpoints(names?: readonly string[]): Promise<readonly ProjectionCheckpoint[]> {
    const unique = names === undefined ? Object.keys(await redisCall(redis.hgetall(checkpointsKey))) : [...new Set(names)];
    if (unique.length === 0) return [];
    // the checkpoints and their dead-letter counts in one round trip
    const pipeline = redis.pipeline().hmget(checkpointsKey, ...unique);
    for (const name of unique) pipeline.hlen(lettersKey(name));
    const [first, ...counts] = ((await redisCall(pipeline.exec())) ?? []) as [Error | null, unknown][];
    const [error, values] = first ?? [new Error('no reply'), []];
    if (error !== null) throw error;
    return unique.flatMap((name, i) => {
      const json = (values as (string | null)[])[i];
      return json == null ? [] : [toCheckpoint(name, json, Number(counts[i]?.[1] ?? 0))];
    });
  }

  /** Deletes the keys of one generation of a projection in the background, a chunk at a time. */
  function sweep(name: string, generation: number): void {
    const pattern = `${globEscape(generationKeyPrefix(keyPrefix, name, generation))}*`;
    const done: Promise<void> = deleteKeysMatching(redis, pattern, sweepChunkSize)
      .then(() => undefined, () => undefined)
      .finally(() => sweeps.delete(done));
    sweeps.add(done);
  }

  const wake = (to: Set<() => void>): void => {
    for (const listener of [...to]) {
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
    // failures show as reconnects; after one, moves and operators' changes may have been missed, so everyone is woken
    connection.on('error', () => undefined);
    let connectedBefore = false;
    connection.on('ready', () => {
      if (connectedBefore) {
        wake(listeners);
        wake(controlListeners);
      }
      connectedBefore = true;
    });
    connection.on('message', (from: string) => {
      if (from === channel) wake(listeners);
      else if (from === controlChannel) wake(controlListeners);
    });
    connection.subscribe(channel, controlChannel).catch(() => undefined);
  }

  async function setUp(projection: ProjectionDefinition<RedisSession>, generation: number): Promise<void> {
    if (projection.setup === undefined) return;
    const session = bufferedRedisSession(redis, keyPrefix, projection.name, generation);
    await projection.setup(session);
    await writeAll(session.seal());
  }

  /** Sets top-level fields of a checkpoint and tells runners and gates; NotFound when there is none. */
  async function patch(name: string, fields: Partial<StoredCheckpoint>): Promise<void> {
    const patched = await redisCall(runScript(redis, patchCheckpointScript, [checkpointsKey], [name, JSON.stringify(fields), channel, controlChannel]));
    if (patched !== 1) throw new NotFound('projection', name);
  }

  return {
    async prepare(projection) {
      checkName(projection.name);
      // a checkpoint that vanished (deleted, evicted) comes back in the generation readers still see
      const live = Number((await redisCall(redis.hget(generations, projection.name))) ?? 1);
      await setUp(projection, live);
      await redisCall(redis.hsetnx(generations, projection.name, String(live)));
      const created = await redisCall(redis.hsetnx(checkpointsKey, projection.name, initialCheckpoint(projection.version, live)));
      if (created === 1) {
        // a checkpoint made anew after rebuilds had started lost any rebuild under way with it: its keys go
        const last = Number((await redisCall(redis.hget(generations, `${projection.name}#last`))) ?? 0);
        for (let generation = live + 1; generation <= last; generation++) sweep(projection.name, generation);
      }
      const [checkpoint] = await readCheckpoints([projection.name]);
      if (checkpoint === undefined) throw new Error(`the checkpoint of ${projection.name} vanished while it was prepared`);
      return checkpoint;
    },

    readCheckpoints,

    async commitBatch(name, from, to, apply, options = {}) {
      const { deadLetters = [] } = options;
      const current = await readStored(name);
      if (current === undefined) throw new CheckpointMoved(name);
      const liveGeneration = current.generation ?? 1;
      const live = options.generation === undefined || options.generation === liveGeneration;
      const rebuild = current.rebuild ?? undefined;
      if (!live && rebuild?.generation !== options.generation) throw new CheckpointMoved(name);
      const generation = live ? liveGeneration : rebuild!.generation;
      if (compareCursors(cursorFrom(live ? current : rebuild!), from) !== 0) throw new CheckpointMoved(name);
      const session = bufferedRedisSession(redis, keyPrefix, name, generation);
      await apply(session);
      const writes = session.seal();
      const last = writes.slice(Math.max(0, writes.length - maxWritesPerScript));
      await writeAll(writes.slice(0, writes.length - last.length));
      // the checkpoint moves in the same script as the last writes and the dead letters, only if it is still at `from`
      const letters = deadLetters.flatMap((letter) => [letter.event.eventId, storedLetter(letter)]);
      const moved = await redisCall(
        runScript(
          redis,
          commitScript,
          [checkpointsKey, lettersKey(name), letterEventsKey(name), letterSequenceKey, ...last.map((w) => w.key)],
          [
            name,
            live ? 'live' : 'rebuild',
            String(generation),
            String(from.transactionId),
            String(from.position),
            String(to.cursor.transactionId),
            String(to.cursor.position),
            to.lastEventAt.toISOString(),
            new Date().toISOString(),
            channel,
            String(deadLetters.length),
            ...letters,
            ...writeArguments(last),
          ],
        ),
      );
      if (moved !== 1) throw new CheckpointMoved(name);
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

    subscribeToControl(listener) {
      listen();
      const wrapped = (): void => listener();
      controlListeners.add(wrapped);
      return () => {
        controlListeners.delete(wrapped);
      };
    },

    reader(projection) {
      return redisReader(redis, keyPrefix, projection);
    },

    async setPaused(name, paused) {
      await patch(name, { paused });
    },

    async requestRebuild(name, version): Promise<RebuildProgress> {
      const startedAt = new Date();
      const reply = await redisCall(runScript(redis, requestRebuildScript, [checkpointsKey, generations], [name, version, startedAt.toISOString(), channel, controlChannel]));
      if (!Array.isArray(reply)) throw new NotFound('projection', name);
      const [generation, abandoned] = reply.map(Number) as [number, number];
      // a rebuild asked for again starts over in a fresh generation: the one it abandons goes
      if (abandoned > 0) sweep(name, abandoned);
      return { generation, version, cursor: logStart, lastEventAt: undefined, startedAt };
    },

    async prepareGeneration(projection, generation) {
      await setUp(projection, generation);
    },

    async completeRebuild(name, generation, at) {
      const old = Number(
        await redisCall(
          runScript(redis, switchGenerationScript, [checkpointsKey, generations], [name, generation, String(at.transactionId), String(at.position), new Date().toISOString(), channel]),
        ),
      );
      if (old === 0) throw new CheckpointMoved(name);
      // readers resolve the generation on each read, so none reads the old one any more
      sweep(name, old);
    },

    async readDeadLetters(name) {
      const names = name === undefined ? (await readCheckpoints()).map((checkpoint) => checkpoint.name) : [name];
      const letters: DeadLetter[] = [];
      for (const projection of names) {
        const all = await redisCall(redis.hgetall(lettersKey(projection)));
        for (const [id, json] of Object.entries(all)) letters.push(toDeadLetter(projection, id, json));
      }
      return letters.sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)) || Number(a.id) - Number(b.id));
    },

    async requestDeadLetterRetry(name) {
      await patch(name, { retryRequested: true });
    },

    async retryDeadLetter(name, id, apply) {
      const current = await readStored(name);
      if (current === undefined) throw new NotFound('projection', name);
      const generation = current.generation ?? 1;
      if ((await redisCall(redis.hexists(lettersKey(name), id))) !== 1) throw new NotFound('dead letter', id);
      const session = bufferedRedisSession(redis, keyPrefix, name, generation);
      await apply(session);
      const writes = session.seal();
      const last = writes.slice(Math.max(0, writes.length - maxWritesPerScript));
      await writeAll(writes.slice(0, writes.length - last.length));
      const done = await redisCall(
        runScript(redis, retryDeadLetterScript, [checkpointsKey, lettersKey(name), letterEventsKey(name), ...last.map((w) => w.key)], [name, String(generation), id, ...writeArguments(last)]),
      );
      if (done === 0) throw new NotFound('dead letter', id);
      if (done !== 1) throw new CheckpointMoved(name);
    },

    async finishDeadLetterRetry(name, failures) {
      for (const { id, error } of failures) {
        const json = await redisCall(redis.hget(lettersKey(name), id));
        if (json === null) continue;
        await redisCall(redis.hset(lettersKey(name), id, JSON.stringify({ ...(JSON.parse(json) as StoredDeadLetter), error })));
      }
      await patch(name, { retryRequested: false });
    },

    async dropDeadLetters(name, ids) {
      if (ids !== undefined && ids.length === 0) return 0;
      const dropped = Number(await redisCall(runScript(redis, dropDeadLettersScript, [lettersKey(name), letterEventsKey(name)], ids === undefined ? [] : [...ids])));
      // runners reload which streams are parked
      await redisCall(redis.publish(controlChannel, name));
      return dropped;
    },

    async swept() {
      while (sweeps.size > 0) await Promise.all([...sweeps]);
    },

    /** Releases this store's leases and ends its subscriber connection; the caller's client stays open. */
    async close() {
      listeners.clear();
      controlListeners.clear();
      await Promise.all([...leases].map((lease) => lease.release()));
      leases.clear();
      await Promise.all([...sweeps]);
      const connection = subscriber;
      subscriber = undefined;
      if (connection !== undefined) await connection.quit().catch(() => connection.disconnect());
    },
  };
}

