// Checkpoints in the Redis projection store's hash: read one as stored, read several with their dead-letter counts, patch one.
import { NotFound, type ProjectionCheckpoint } from '@twofold/core';
import { toCheckpoint, type StoredCheckpoint } from './redis-checkpoint.js';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import type { RedisProjectionKeys } from './redis-projection-keys.js';
import { patchCheckpointScript } from './scripts.js';

export async function readStoredCheckpoint(redis: Redis, keys: RedisProjectionKeys, name: string): Promise<StoredCheckpoint | undefined> {
  const json = await redisCall(redis.hget(keys.checkpoints, name));
  return json === null ? undefined : (JSON.parse(json) as StoredCheckpoint);
}

/** The named checkpoints (all when `names` is undefined) with their dead-letter counts, in one round trip. */
export async function readCheckpoints(redis: Redis, keys: RedisProjectionKeys, names?: readonly string[]): Promise<readonly ProjectionCheckpoint[]> {
  const unique = names === undefined ? Object.keys(await redisCall(redis.hgetall(keys.checkpoints))) : [...new Set(names)];
  if (unique.length === 0) return [];
  const pipeline = redis.pipeline().hmget(keys.checkpoints, ...unique);
  for (const name of unique) pipeline.hlen(keys.letters(name));
  const [first, ...counts] = ((await redisCall(pipeline.exec())) ?? []) as [Error | null, unknown][];
  const [error, values] = first ?? [new Error('no reply'), []];
  if (error !== null) throw error;
  return unique.flatMap((name, i) => {
    const json = (values as (string | null)[])[i];
    return json == null ? [] : [toCheckpoint(name, json, Number(counts[i]?.[1] ?? 0))];
  });
}

/** Sets top-level fields of a checkpoint and tells runners and gates; NotFound when there is none. */
export async function patchCheckpoint(redis: Redis, keys: RedisProjectionKeys, name: string, fields: Partial<StoredCheckpoint>): Promise<void> {
  const patched = await redisCall(runScript(redis, patchCheckpointScript, [keys.checkpoints], [name, JSON.stringify(fields), keys.checkpointMovedChannel, keys.controlChannel]));
  if (patched !== 1) throw new NotFound('projection', name);
}
