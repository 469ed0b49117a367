// Projection leases in Redis: a key per lease holding the token of its grant, expiring with its ttl unless renewed.
// The holder's side (heartbeat, deadline, one grant per name) is core's, shared with every store.
import type { LeaseTable } from '@twofold/core';
import { runScript, type Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';
import { releaseLeaseScript, renewLeaseScript, takeLeaseScript } from './scripts.js';

export interface RedisLeaseKeys {
  /** The key of one projection's lease. */
  lease(name: string): string;
  /** The hash of the last token granted per projection: tokens grow with every grant, as fencing tokens must. */
  readonly leaseTokens: string;
}

export function redisLeaseTable(redis: Redis, keys: RedisLeaseKeys): LeaseTable {
  return {
    async take(name, _holder, ttlMs) {
      const token = await redisCall(runScript(redis, takeLeaseScript, [keys.lease(name), keys.leaseTokens], [name, ttlMs]));
      return token === null || token === undefined ? undefined : Number(token);
    },
    async renew(name, token, ttlMs) {
      return (await redisCall(runScript(redis, renewLeaseScript, [keys.lease(name)], [String(token), ttlMs]))) === 1;
    },
    async release(name, token) {
      await redisCall(runScript(redis, releaseLeaseScript, [keys.lease(name)], [String(token)]));
    },
  };
}
