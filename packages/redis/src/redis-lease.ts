// A projection lease in Redis: SET NX PX with a random token, renewed on a timer while the token is still ours.
import { randomUUID } from 'node:crypto';
import type { ProjectionLease } from '@twofold/core';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { releaseLeaseScript, renewLeaseScript } from './scripts.js';

export interface RedisLeaseOptions {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
}

/**
 * Takes the lease at `key` if no one holds it. It is `lost` as soon as a renewal fails or finds another token, or
 * when no renewal has been confirmed for a whole ttl (it may have expired and been taken elsewhere).
 */
export async function tryAcquireRedisLease(redis: Redis, key: string, options: RedisLeaseOptions): Promise<ProjectionLease | undefined> {
  const { ttlMs, renewEveryMs } = options;
  const token = randomUUID();
  // the lease runs from before the request was sent: the server's clock started no earlier
  let confirmedAt = Date.now();
  const reply = await redisCall(redis.set(key, token, 'PX', ttlMs, 'NX'));
  if (reply !== 'OK') return undefined;
  let failed = false;
  let released = false;
  let renewing = false;

  const timer = setInterval(() => {
    if (renewing || failed || released) return;
    renewing = true;
    const sentAt = Date.now();
    runScript(redis, renewLeaseScript, [key], [token, ttlMs])
      .then((renewed) => {
        if (renewed === 1) confirmedAt = sentAt;
        else failed = true;
      })
      .catch(() => {
        failed = true;
      })
      .finally(() => {
        renewing = false;
        if (failed) clearInterval(timer);
      });
  }, renewEveryMs);
  timer.unref();

  return {
    get lost() {
      return !released && (failed || Date.now() - confirmedAt >= ttlMs);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // deletes only our own token: a lease that expired and was taken elsewhere stays with its new holder
      await runScript(redis, releaseLeaseScript, [key], [token]).catch(() => undefined);
    },
  };
}
