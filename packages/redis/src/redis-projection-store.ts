// The projection store on Redis: key-value read models guarded per key by log cursor, checkpoints in a hash, leases
// with tokens, and the administration PostgreSQL has: pause, sequenced dead letters, blue/green rebuilds by generation.
// Its parts: checkpoints and batches (here), keys, subscriptions, leases, rebuilds, dead letters.
import { randomUUID } from 'node:crypto';
import { holdLeasesThrough, type AdministeredProjectionStore } from '@twofold/core';
import { commitBatch } from './redis-batch-commit.js';
import { initialCheckpoint } from './redis-checkpoint.js';
import { patchCheckpoint, readCheckpoints } from './redis-checkpoints.js';
import type { Redis } from './redis-client.js';
import { redisDeadLetters } from './redis-dead-letter-administration.js';
import { redisCall } from './redis-errors.js';
import { redisLeaseTable } from './redis-lease.js';
import { redisProjectionKeys } from './redis-projection-keys.js';
import { redisProjectionSubscriber } from './redis-projection-subscriber.js';
import { redisRebuilds } from './redis-rebuilds.js';
import { redisReader, type RedisReader, type RedisSession } from './redis-session.js';

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

// names become parts of keys and of SCAN patterns: `:` and `@` separate them, glob characters would widen a sweep
const plainName = /^[A-Za-z0-9_-]{1,100}$/;
const checkName = (name: string): void => {
  if (!plainName.test(name)) throw new RangeError(`a Redis projection name is letters, digits, _ and - (at most 100), not ${JSON.stringify(name)}`);
};

function settingsOf(options: RedisProjectionStoreOptions) {
  const { keyPrefix = 'twofold:', leaseTtlMs = 5_000, maxWritesPerScript = 1_000, sweepChunkSize = 500 } = options;
  const { leaseRenewMs = Math.floor(leaseTtlMs / 3) } = options;
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs < 10) throw new RangeError('leaseTtlMs must be an integer of at least 10');
  if (!Number.isInteger(leaseRenewMs) || leaseRenewMs < 1 || leaseRenewMs >= leaseTtlMs) throw new RangeError('leaseRenewMs must be a positive integer below leaseTtlMs');
  if (!Number.isInteger(maxWritesPerScript) || maxWritesPerScript < 1) throw new RangeError('maxWritesPerScript must be a positive integer');
  if (!Number.isInteger(sweepChunkSize) || sweepChunkSize < 1) throw new RangeError('sweepChunkSize must be a positive integer');
  return { keyPrefix, maxWritesPerScript, sweepChunkSize, leaseTiming: { ttlMs: leaseTtlMs, renewEveryMs: leaseRenewMs } };
}

/** A projection store over `redis`, which stays the caller's: `close` ends only what the store opened. Not for Redis Cluster. */
export function redisProjectionStore(redis: Redis, options: RedisProjectionStoreOptions = {}): RedisProjectionStore {
  const settings = settingsOf(options);
  const { maxWritesPerScript } = settings;
  const keys = redisProjectionKeys(settings.keyPrefix);
  const leases = holdLeasesThrough(redisLeaseTable(redis, keys), randomUUID(), settings.leaseTiming);
  const subscriber = redisProjectionSubscriber(redis, keys);
  const rebuilds = redisRebuilds(redis, keys, settings);

  return {
    async prepare(projection) {
      checkName(projection.name);
      // a checkpoint that vanished (deleted, evicted) comes back in the generation readers still see
      const live = Number((await redisCall(redis.hget(keys.generations, projection.name))) ?? 1);
      await rebuilds.setUp(projection, live);
      await redisCall(redis.hsetnx(keys.generations, projection.name, String(live)));
      const created = await redisCall(redis.hsetnx(keys.checkpoints, projection.name, initialCheckpoint(projection.version, live)));
      if (created === 1) {
        // a checkpoint made anew after rebuilds had started lost any rebuild under way with it: its keys go
        const last = Number((await redisCall(redis.hget(keys.generations, `${projection.name}#last`))) ?? 0);
        for (let generation = live + 1; generation <= last; generation++) rebuilds.sweep(projection.name, generation);
      }
      const [checkpoint] = await readCheckpoints(redis, keys, [projection.name]);
      if (checkpoint === undefined) throw new Error(`the checkpoint of ${projection.name} vanished while it was prepared`);
      return checkpoint;
    },

    readCheckpoints: (names) => readCheckpoints(redis, keys, names),
    commitBatch: (name, from, to, apply, batchOptions) => commitBatch(redis, keys, maxWritesPerScript, { name, from, to, apply, options: batchOptions ?? {} }),
    tryAcquireLease: (name) => leases.tryAcquire(name),
    // a publication says only that a checkpoint may have moved: listeners read the checkpoints
    subscribe: (listener) => subscriber.onCheckpointMoved(() => listener(undefined)),
    subscribeToControl: (listener) => subscriber.onControl(listener),
    reader: (projection) => redisReader(redis, keys.prefix, projection),

    async setPaused(name, paused) {
      await patchCheckpoint(redis, keys, name, { paused });
    },
    requestRebuild: rebuilds.requestRebuild,
    prepareGeneration: rebuilds.prepareGeneration,
    completeRebuild: rebuilds.completeRebuild,
    ...redisDeadLetters(redis, keys, maxWritesPerScript),
    swept: rebuilds.swept,

    /** Releases this store's leases and ends its subscriber connection; the caller's client stays open. */
    async close() {
      await leases.releaseAll();
      await rebuilds.swept();
      await subscriber.close();
    },
  };
}
