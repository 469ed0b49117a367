// Deleting the keys that match a pattern without blocking Redis: SCAN a page at a time, UNLINK each page (freed in the background).
import type { Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';

/** `text` as a SCAN/KEYS pattern that matches exactly it. */
export const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** Deletes every key matching `pattern`, `chunkSize` keys per UNLINK; returns how many it deleted. */
export async function deleteKeysMatching(redis: Redis, pattern: string, chunkSize: number): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redisCall(redis.scan(cursor, 'MATCH', pattern, 'COUNT', chunkSize));
    for (let i = 0; i < keys.length; i += chunkSize) deleted += await redisCall(redis.unlink(...keys.slice(i, i + chunkSize)));
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
