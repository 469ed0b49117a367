// Projection leases in Redis: one holder at a time, handed over on release or expiry, lost when renewal stops.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisClient } from './redis-client.js';
import { redisProjectionStore, type RedisProjectionStore } from './redis-projection-store.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('redis projection leases', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  /** Two stores on their own connections, sharing a fresh key prefix. */
  function twoStores(leaseTtlMs: number): { a: RedisProjectionStore; b: RedisProjectionStore; clientA: Redis; keyPrefix: string; admin: Redis } {
    const keyPrefix = `twofold-test:${randomBytes(5).toString('hex')}:`;
    const [clientA, clientB, admin] = [createRedisClient(redisUrl), createRedisClient(redisUrl), createRedisClient(redisUrl)];
    const a = redisProjectionStore(clientA, { keyPrefix, leaseTtlMs });
    const b = redisProjectionStore(clientB, { keyPrefix, leaseTtlMs });
    cleanups.push(
      () => admin.quit(),
      async () => {
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
      },
      () => clientA.quit(),
      () => clientB.quit(),
      () => a.close(),
      () => b.close(),
    );
    return { a, b, clientA, keyPrefix, admin };
  }

  it('keeps the lease with its holder past the ttl while it renews, and hands it over on release', async () => {
    const { a, b } = twoStores(600);
    const held = await a.tryAcquireLease('orderSummaries');
    expect(held).toBeDefined();
    await pause(1_300); // more than two ttls: only renewal keeps it
    expect(held!.lost).toBe(false);
    expect(await b.tryAcquireLease('orderSummaries')).toBeUndefined();
    await held!.release();
    const taken = await b.tryAcquireLease('orderSummaries');
    expect(taken).toBeDefined();
    expect(taken!.lost).toBe(false);
    // releasing the old lease again does not free the new holder's
    await held!.release();
    expect(await a.tryAcquireLease('orderSummaries')).toBeUndefined();
    await taken!.release();
  });

  it('marks the lease lost when renewal stops, and lets another store take it once it expired', async () => {
    const { a, b, clientA } = twoStores(300);
    const held = await a.tryAcquireLease('orderSummaries');
    expect(held).toBeDefined();
    clientA.disconnect(); // renewals can no longer reach Redis
    await pause(400);
    expect(held!.lost).toBe(true);
    const taken = await b.tryAcquireLease('orderSummaries');
    expect(taken).toBeDefined();
    await held!.release(); // harmless: not its token any more
    expect(taken!.lost).toBe(false);
    await taken!.release();
  });

  it('marks the lease lost when a renewal finds another token', async () => {
    const { a, keyPrefix, admin } = twoStores(600);
    const held = await a.tryAcquireLease('orderSummaries');
    await admin.set(`${keyPrefix}lease:orderSummaries`, 'someone-else', 'PX', 5_000);
    await pause(450); // a renewal runs every 200 ms
    expect(held!.lost).toBe(true);
    await held!.release();
    expect(await admin.get(`${keyPrefix}lease:orderSummaries`)).toBe('someone-else');
  });

  it('releases its leases on close', async () => {
    const { a, b } = twoStores(5_000);
    expect(await a.tryAcquireLease('orderSummaries')).toBeDefined();
    await a.close();
    expect(await b.tryAcquireLease('orderSummaries')).toBeDefined();
  });
});
