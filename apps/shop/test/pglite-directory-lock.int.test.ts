// Two `twofold serve` processes on one PGlite directory lost half of what both acknowledged: the second must refuse,
// naming the first; and a lock left by a killed process must not block a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

describe('one PGlite directory, one process', () => {
  let parent: string;
  let directory: string;
  const running: ShopProcess[] = [];
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'twofold-lock-'));
    directory = join(parent, 'data');
  });
  afterAll(async () => {
    await Promise.all(running.map((shop) => shop.kill('SIGKILL')));
    await rm(parent, { recursive: true, force: true });
  });

  it('refuses a second process while the first serves, and lets a restart after SIGKILL keep every acknowledged order', async () => {
    const first = await spawnShop(['--store', `pglite:${directory}`], { LOG_LEVEL: 'warn' });
    running.push(first);
    expect((await request(first.url, 'POST', '/api/products', product('LOCK-1', 100))).status).toBe(202);

    const refused = spawnShop(['--store', `pglite:${directory}`], { LOG_LEVEL: 'warn' });
    await expect(refused).rejects.toThrow(new RegExp(`in use by process ${first.child.pid}`));

    const orders = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(first.url, 'POST', '/api/orders', { orderId: `lock-${i}`, customerId: 'c', currency: 'EUR', lines: [{ sku: 'LOCK-1', quantity: 1 }] })),
    );
    expect(orders.every((reply) => reply.status === 202)).toBe(true);
    await first.kill('SIGKILL');

    // the killed process left its lock behind: it is stale, and the restart takes it over
    const restarted = await spawnShop(['--store', `pglite:${directory}`], { LOG_LEVEL: 'warn' });
    running.push(restarted);
    const history = await request(restarted.url, 'GET', '/api/streams/product-LOCK-1');
    expect(history.body.events.filter((e: { type: string }) => e.type === 'StockReserved')).toHaveLength(20);
  });
});
