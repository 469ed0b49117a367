// Regression (issue 11, item 5): a checkpoint deleted (or evicted) under a running daemon made it retry the same batch
// with no pause (~1,000 "checkpoint moved" warnings a second) while its status said running, and never advance again.
import { randomBytes } from 'node:crypto';
import { createProjectionDaemon, inMemoryEventStore, type Logger, type ProjectionDefinition, type ProjectionStore } from '@twofold/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient, type Redis } from './redis-client.js';
import { deleteKeysMatching, globEscape } from './redis-key-sweep.js';
import { redisProjectionStore } from './redis-projection-store.js';
import type { RedisSession } from './redis-session.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const tally: ProjectionDefinition<RedisSession> = {
  name: 'tally',
  version: 1,
  handles: ['Added'],
  apply: async (events, session) => {
    for (const event of events) session.set(`k${(event.data as { n: number }).n}`, (event.data as { n: number }).n, event);
  },
};

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** Counts every call the daemon makes on the store. */
function counted<S>(store: ProjectionStore<S>): { store: ProjectionStore<S>; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

describe('a checkpoint deleted under a running daemon', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is reported as failed with the reason, retried with backoff, and the read model is rebuilt and advances again', async () => {
    const redis: Redis = createRedisClient(redisUrl);
    const keyPrefix = `twofold-test:${randomBytes(5).toString('hex')}:`;
    const redisStore = redisProjectionStore(redis, { keyPrefix });
    cleanups.push(async () => {
      await redisStore.close();
      await deleteKeysMatching(redis, `${globEscape(keyPrefix)}*`, 500);
      await redis.quit();
    });
    const { store, calls } = counted(redisStore);
    let warnings = 0;
    const reasons: string[] = [];
    const logger: Logger = { info() {}, warn: () => void warnings++, error: (_fields, message) => void reasons.push(message) };
    const eventStore = inMemoryEventStore();
    const add = (n: number) => eventStore.appendToStream(`s-${n % 3}`, [{ type: 'Added', data: { n } }], { expectedVersion: 'any' });
    const daemon = createProjectionDaemon({ eventStore, projectionStore: store, projections: [tally], pollIntervalMs: 20, retryBackoffMs: 300, maxRetryBackoffMs: 2_000, logger });
    cleanups.push(() => daemon.stop());
    for (let n = 1; n <= 20; n++) await add(n);
    daemon.start();
    await until(async () => (await redisStore.readCheckpoints(['tally']))[0]?.cursor.position === 20);

    // the lease stays alive; only the checkpoints go, as an operator's DEL or an eviction does
    expect(await redis.exists(`${keyPrefix}lease:tally`)).toBe(1);
    await redis.del(`${keyPrefix}checkpoints`);
    for (let n = 21; n <= 25; n++) await add(n);
    const callsBefore = calls();
    const warningsBefore = warnings;
    await until(() => daemon.statuses()[0]?.state === 'failed', 2_000);
    expect(daemon.statuses()[0]?.lastError).toMatch(/checkpoint of tally is missing/);
    await new Promise((r) => setTimeout(r, 1_000));
    // no hot loop: a handful of calls in a second, not thousands
    expect(calls() - callsBefore).toBeLessThan(60);
    expect(warnings - warningsBefore).toBeLessThan(5);
    expect(reasons.some((reason) => /checkpoint of tally is missing/.test(reason))).toBe(true);

    // rebuilt in place from the log start: everything is read again, the new events too, and the runner is running
    await until(async () => (await redisStore.readCheckpoints(['tally']))[0]?.cursor.position === 25);
    expect(await redisStore.reader('tally').mget(['k1', 'k20', 'k21', 'k25'])).toEqual([1, 20, 21, 25]);
    await until(() => daemon.statuses()[0]?.state === 'running');
    expect(daemon.statuses()[0]?.lastError).toBeUndefined();
  });
});
