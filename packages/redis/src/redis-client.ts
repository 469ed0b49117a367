// The Redis client the store uses (ioredis), a factory with defaults for a projection store, and Lua scripts run by their digest.
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export interface RedisClientOptions {
  /** Commands fail (as StoreUnavailable) after this many reconnection attempts instead of waiting. Default 1. */
  readonly maxRetriesPerRequest?: number;
  readonly connectTimeoutMs?: number;
  /** Connection errors are also reported through the commands that fail; this sees each one as it happens. Default: ignored. */
  readonly onError?: (error: Error) => void;
  /**
   * Send the commands issued in one turn of the event loop as one pipeline (ioredis' auto-pipelining):
   * under many concurrent reads, one write and one reply parse serve them all. Default true.
   */
  readonly autoPipelining?: boolean;
}

/** Opens a client for `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). The caller closes it with `quit()`. */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const { maxRetriesPerRequest = 1, connectTimeoutMs = 5_000, onError = () => undefined, autoPipelining = true } = options;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a Redis URL: ${url}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError(`not a Redis URL (redis:// or rediss://): ${parsed.protocol}//…`);
  const redisOptions: RedisOptions = { maxRetriesPerRequest, connectTimeout: connectTimeoutMs, enableAutoPipelining: autoPipelining };
  const client = new Redis(url, redisOptions);
  client.on('error', onError);
  return client;
}

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export const luaScript = (source: string): LuaScript => ({ source, sha1: createHash('sha1').update(source).digest('hex') });

/** EVALSHA, falling back to EVAL when the server does not know the script (it restarted, or was flushed). */
export async function runScript(redis: Redis, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script.source, keys.length, ...keys, ...args);
  }
}
