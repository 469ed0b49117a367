// Two `twofold serve` processes on one PostgreSQL: both serve, each projection runs in exactly one,
// a token from one is honoured by the other, and the survivor takes over when the other is killed.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const runners = async (url: string): Promise<Record<string, string | null>> => {
  const reply = await request(url, 'GET', '/api/projections');
  return Object.fromEntries(reply.body.projections.map((p: { name: string; runner: string | null }) => [p.name, p.runner]));
};

const eventually = async (check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('two instances on one PostgreSQL store', () => {
  let database: TestDatabase;
  let a: ShopProcess;
  let b: ShopProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { LOG_LEVEL: 'warn', TWOFOLD_LEASE_RETRY_MS: '200' };
    [a, b] = await Promise.all([spawnShop(['--store', database.url], env), spawnShop(['--store', database.url], env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.kill('SIGKILL'), b?.kill('SIGKILL')]);
    await database?.drop();
  });

  it('serves from both, runs each projection once, honours tokens across them, and fails over', async () => {
    await eventually(async () => {
      const [ra, rb] = await Promise.all([runners(a.url), runners(b.url)]);
      return ['orderSummaries', 'productCatalog'].every((name) => [ra[name], rb[name]].sort().join() === 'running,standby');
    }, 10_000);

    expect((await request(a.url, 'POST', '/api/products', product('TWO-1', 100))).status).toBe(202);
    for (let i = 0; i < 20; i++) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const placed = await request(writer.url, 'POST', '/api/orders', { orderId: `two-${i}`, customerId: 'c', currency: 'EUR', lines: [{ sku: 'TWO-1', quantity: 1 }] });
      expect(placed.status).toBe(202);
      const read = await request(reader.url, 'GET', `/api/orders/two-${i}`, undefined, { 'X-Min-Position': String(placed.body.position) });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-consistency')).toBe('caught-up');
    }

    await a.kill('SIGKILL');
    await eventually(async () => {
      const rb = await runners(b.url);
      return rb.orderSummaries === 'running' && rb.productCatalog === 'running';
    }, 10_000);
    const placed = await request(b.url, 'POST', '/api/orders', { orderId: 'after-failover', customerId: 'c', currency: 'EUR', lines: [{ sku: 'TWO-1', quantity: 1 }] });
    const read = await request(b.url, 'GET', '/api/products?q=TWO-1', undefined, { 'X-Min-Position': String(placed.body.position) });
    expect(read.headers.get('x-consistency')).toBe('caught-up');
    expect(read.body.items).toMatchObject([{ sku: 'TWO-1', reserved: 21, available: 79 }]);
  });
});
