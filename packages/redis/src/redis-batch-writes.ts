// A batch's read-model writes, in script calls of at most `maxWritesPerScript`: all but the last chunk written
// ahead, the last chunk left for the script that also moves the checkpoint (or deletes the dead letter).
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { writeArguments, type RedisWrite } from './redis-session.js';
import { writeScript } from './scripts.js';

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
};

/** Writes `writes` in chunks, each write guarded by its log cursor. */
export async function writeAll(redis: Redis, writes: readonly RedisWrite[], maxWritesPerScript: number): Promise<void> {
  for (const chunk of chunks(writes, maxWritesPerScript)) {
    await redisCall(runScript(redis, writeScript, chunk.map((w) => w.key), writeArguments(chunk)));
  }
}

/**
 * Writes all but the last chunk and returns that one, for the closing script. A crash or a lost race in between
 * leaves writes that a redelivery of the batch does not apply again (each is guarded by its cursor).
 */
export async function writeAllButLast(redis: Redis, writes: readonly RedisWrite[], maxWritesPerScript: number): Promise<readonly RedisWrite[]> {
  const last = writes.slice(Math.max(0, writes.length - maxWritesPerScript));
  await writeAll(redis, writes.slice(0, writes.length - last.length), maxWritesPerScript);
  return last;
}
