// Order summaries in Redis (--kv), over HTTP: one namespace per deployment (issue 11, item 6), and a blue/green rebuild
// under write load that readers never notice, ending equal to a build from scratch (issue 13).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createProjectionDaemon } from '@twofold/core';
import { openSqlClient, storeIdentity } from '@twofold/postgres';
import { createRedisClient, defaultKeyPrefix, redisProjectionStore, type Redis } from '@twofold/redis';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisOrderSummaries } from '../src/projections/index.js';
import { orderSummaryKey } from '../src/projections/order-summaries/redis-order-summaries.js';
import { startShop, type Shop, type ShopOptions } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';

const bin = fileURLToPath(new URL('../dist/bin/twofold.js', import.meta.url));
const run = promisify(execFile);
const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const projectionNamed = async (base: string, name: string) =>
  (await request(base, 'GET', '/api/projections')).body.projections.find((p: { name: string }) => p.name === name);

async function dropNamespace(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describe('order summaries in Redis', () => {
  let redis: Redis;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(() => {
    redis = createRedisClient(redisUrl);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** A shop on a PostgreSQL database of its own, order summaries in the shared Redis; its namespace is dropped after. */
  async function shopOn(database: TestDatabase, options: Partial<ShopOptions> = {}): Promise<{ shop: Shop; keyPrefix: string }> {
    const client = await openSqlClient(database.url);
    const shop = await startShop({ store: database.url, kv: redisUrl, port: 0, daemon: { pollIntervalMs: 50 }, ...options }).finally(() => undefined);
    cleanups.push(() => shop.close());
    const keyPrefix = options.kvKeyPrefix ?? defaultKeyPrefix(await storeIdentity(client));
    await client.close();
    cleanups.push(() => dropNamespace(redis, keyPrefix));
    return { shop, keyPrefix };
  }

  async function database(): Promise<TestDatabase> {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    return db;
  }

  const place = (base: string, orderId: string, sku: string) => request(base, 'POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku, quantity: 1 }] });

  it('keeps two deployments on one Redis apart by default, and refuses a namespace of another store', async () => {
    const [dbA, dbB] = await Promise.all([database(), database()]);
    const a = await shopOn(dbA);
    const b = await shopOn(dbB);
    expect(a.keyPrefix).not.toBe(b.keyPrefix);

    await request(a.shop.url, 'POST', '/api/products', product('NS-1', 10));
    const placedA = await place(a.shop.url, 'ns-order', 'NS-1');
    expect(placedA.status).toBe(202);
    expect((await request(a.shop.url, 'GET', '/api/orders/ns-order', undefined, { 'X-Min-Position': String(placedA.body.position) })).status).toBe(200);

    // the other deployment has not seen this order, and keeps its own
    expect((await request(b.shop.url, 'GET', '/api/orders/ns-order')).status).toBe(404);
    await request(b.shop.url, 'POST', '/api/products', product('NS-1', 10));
    const placedB = await place(b.shop.url, 'ns-order-b', 'NS-1');
    expect((await request(b.shop.url, 'GET', '/api/orders/ns-order-b', undefined, { 'X-Min-Position': String(placedB.body.position) })).status).toBe(200);
    expect((await request(a.shop.url, 'GET', '/api/orders/ns-order-b')).status).toBe(404);
    expect((await request(b.shop.url, 'GET', '/api/orders/ns-order')).status).toBe(404);

    // a third deployment on B's store forced into A's namespace is refused at start
    await expect(startShop({ store: dbB.url, kv: redisUrl, kvKeyPrefix: a.keyPrefix, port: 0 })).rejects.toThrow(/holds read models of another event store/);
  });

  it('rebuilds orderSummaries beside the live generation under writes: readers never see fewer orders, and it ends equal to a build from scratch', async () => {
    const db = await database();
    // small batches, so the rebuild of this short history spans several steps
    const { shop, keyPrefix } = await shopOn(db, { daemon: { pollIntervalMs: 50, batchSize: 2 } });
    const base = shop.url;
    await request(base, 'POST', '/api/products', product('RB-1', 1_000_000));
    let last = 0;
    for (let i = 0; i < 150; i++) last = (await place(base, `rb-${i}`, 'RB-1')).body.position;
    const before = Array.from({ length: 150 }, (_, i) => `rb-${i}`);
    const visible = async (ids: readonly string[], token?: number): Promise<number> => {
      const replies = await Promise.all(ids.map((id) => request(base, 'GET', `/api/orders/${id}`, undefined, token === undefined ? {} : { 'X-Min-Position': String(token) })));
      return replies.filter((reply) => reply.status === 200).length;
    };
    expect(await visible(before, last)).toBe(150);
    expect(await projectionNamed(base, 'orderSummaries')).toMatchObject({ generation: 1 });

    let writing = true;
    let written = 150;
    const writer = (async () => {
      while (writing) {
        last = (await place(base, `rb-${written}`, 'RB-1')).body.position;
        written++;
      }
    })();
    let fewest = Number.POSITIVE_INFINITY;
    let polls = 0;
    // paused first, so that readers are looked at at least once while the new generation holds nothing yet
    expect((await request(base, 'POST', '/api/projections/orderSummaries/pause')).status).toBe(202);
    expect((await request(base, 'POST', '/api/projections/orderSummaries/rebuild')).status).toBe(202);
    expect(await projectionNamed(base, 'orderSummaries')).toMatchObject({ status: 'rebuilding', rebuild: { generation: 2 } });
    fewest = Math.min(fewest, await visible(before));
    polls++;
    expect((await request(base, 'POST', '/api/projections/orderSummaries/resume')).status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      fewest = Math.min(fewest, await visible(before));
      polls++;
      const state = await projectionNamed(base, 'orderSummaries');
      if (state.rebuild === null && state.generation === 2) break;
      if (Date.now() > deadline) throw new Error('the rebuild did not finish');
    }
    writing = false;
    await writer;
    expect(polls).toBeGreaterThan(1);
    expect(fewest).toBe(150);
    const all = Array.from({ length: written }, (_, i) => `rb-${i}`);
    expect(await visible(all, last)).toBe(written);

    // the old generation's keys are swept in the background
    const deadlineSweep = Date.now() + 10_000;
    while ((await redis.keys(`${keyPrefix}rm:orderSummaries:*`)).length > 0) {
      if (Date.now() > deadlineSweep) throw new Error('the old generation was not swept');
      await pause(50);
    }

    // a build from scratch of the same history, in a namespace of its own
    const freshPrefix = `twofold-test:${randomBytes(5).toString('hex')}:`;
    cleanups.push(() => dropNamespace(redis, freshPrefix));
    const fresh = redisProjectionStore(redis, { keyPrefix: freshPrefix });
    const daemon = createProjectionDaemon({ eventStore: shop.eventStore, projectionStore: fresh, projections: [redisOrderSummaries] });
    daemon.start();
    const head = (await shop.eventStore.head())!.cursor.position;
    while ((await fresh.readCheckpoints([redisOrderSummaries.name]))[0]?.cursor.position !== head) await pause(20);
    await daemon.stop();
    await fresh.close();
    const keys = all.map(orderSummaryKey);
    const live = redisProjectionStore(redis, { keyPrefix });
    const rebuilt = await live.reader(redisOrderSummaries.name).mget(keys);
    expect(rebuilt.every((summary) => summary !== undefined)).toBe(true);
    expect(rebuilt).toEqual(await fresh.reader(redisOrderSummaries.name).mget(keys));
    await live.close();
  });

  it('is listed, paused and rebuilt by `twofold projections --kv`, in the deployment’s own namespace', async () => {
    const db = await database();
    const { shop } = await shopOn(db);
    const base = shop.url;
    await request(base, 'POST', '/api/products', product('CLI-1', 100));
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await place(base, `cli-${i}`, 'CLI-1')).body.position;
    expect((await request(base, 'GET', '/api/orders/cli-9', undefined, { 'X-Min-Position': String(last) })).status).toBe(200);
    const cli = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [bin, 'projections', ...args, '--store', db.url, '--kv', redisUrl], { timeout: 60_000 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^orderSummaries\\s+1\\s+\\S+\\s+${last}\\b`, 'm'));
    expect((await cli('pause', 'orderSummaries')).stdout).toContain('orderSummaries: paused');
    expect(await projectionNamed(base, 'orderSummaries')).toMatchObject({ paused: true });
    expect((await cli('resume', 'orderSummaries')).stdout).toContain('orderSummaries: resumed');
    const rebuild = await cli('rebuild', 'orderSummaries');
    expect(rebuild.code).toBe(0);
    expect(rebuild.stderr).toMatch(/rebuilding orderSummaries: done, readers switched at position \d+/);
    expect(await projectionNamed(base, 'orderSummaries')).toMatchObject({ generation: 2, rebuild: null });
    expect((await request(base, 'GET', '/api/orders/cli-0')).status).toBe(200);
    expect((await cli('dead-letters', 'list', 'orderSummaries')).stdout).toContain('orderSummaries: no dead letters');
  });

  it('recovers when its checkpoint is deleted under the running projector: new orders are read again, by token', async () => {
    const db = await database();
    const { shop, keyPrefix } = await shopOn(db);
    const base = shop.url;
    await request(base, 'POST', '/api/products', product('DEL-1', 100));
    const first = await place(base, 'del-0', 'DEL-1');
    expect((await request(base, 'GET', '/api/orders/del-0', undefined, { 'X-Min-Position': String(first.body.position) })).status).toBe(200);
    expect(await redis.exists(`${keyPrefix}lease:orderSummaries`)).toBe(1);
    await redis.del(`${keyPrefix}checkpoints`);
    const second = await place(base, 'del-1', 'DEL-1');
    const read = await request(base, 'GET', '/api/orders/del-1', undefined, { 'X-Min-Position': String(second.body.position), 'X-Wait-Ms': '10000' });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency')).toBe('caught-up');
    expect((await request(base, 'GET', '/api/orders/del-0')).status).toBe(200);
    // the status clears its error with the replay's next batch, which may come a moment after the read caught up
    await expect.poll(async () => projectionNamed(base, 'orderSummaries'), { timeout: 10_000 }).toMatchObject({ generation: 1, lastError: null });
  });
});
