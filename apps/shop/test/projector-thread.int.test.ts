// The projector in a worker thread (--role all on PostgreSQL): batches reach the gate and the metrics, a thread that
// dies is noticed (not ready) and started again without losing or doubling a read model's row, and SIGTERM stops it cleanly.
import type { Worker } from 'node:worker_threads';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';
import { spawnShop } from './spawn-shop.js';

const until = async (what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('the projector in a worker thread', () => {
  let database: TestDatabase | undefined;
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    await database?.drop();
    shop = undefined;
    database = undefined;
  });

  async function start(): Promise<{ shop: Shop; threads: Worker[] }> {
    database = await createTestDatabase();
    const threads: Worker[] = [];
    shop = await startShop({ store: database.url, port: 0, projectorThread: true, onProjectorThread: (thread) => threads.push(thread), daemon: { pollIntervalMs: 50 } });
    return { shop, threads };
  }

  const placeOrders = async (url: string, prefix: string, count: number): Promise<number> => {
    let token = 0;
    for (let i = 0; i < count; i++) {
      const reply = await request(url, 'POST', '/api/orders', { orderId: `${prefix}-${i}`, customerId: 'c-thread', currency: 'EUR', lines: [{ sku: 'THR', quantity: 1 }] });
      expect(reply.status, JSON.stringify(reply.body)).toBe(202);
      token = Math.max(token, reply.body.position);
    }
    return token;
  };

  it('applies in its thread what reads with a token wait for, and reports its runners', async () => {
    const { shop, threads } = await start();
    expect(threads).toHaveLength(1);
    expect((await request(shop.url, 'POST', '/api/products', product('THR', 1_000))).status).toBe(202);
    const token = await placeOrders(shop.url, 'a', 5);
    const read = await request(shop.url, 'GET', '/api/orders/a-4', undefined, { 'X-Min-Position': String(token) });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency')).toBe('caught-up');
    expect(Number(read.headers.get('x-projection-position'))).toBeGreaterThanOrEqual(token);
    // the thread reports by message (each batch, and its statuses every 100 ms); a read can be answered before that
    // message arrives, since the gate also hears the log's notifications, so the report is awaited, not assumed
    await until('the thread reporting a running runner', async () => shop.daemon?.statuses().some((s) => s.state === 'running') === true, 5_000);
    await until('the thread reporting its applied events', async () => /twofold_projection_events_applied_total\{projection="orderSummaries"\} [1-9]/.test(await (await fetch(`${shop.url}/metrics`)).text()), 5_000);
  });

  it('when its thread dies under writes: not ready until it runs again, then every order applied exactly once', async () => {
    const { shop, threads } = await start();
    // stock for any pace: the writer is unpaced, and a fast command side placed more than 1,000 orders in CI before both restarts
    expect((await request(shop.url, 'POST', '/api/products', product('THR', 10_000_000))).status).toBe(202);
    expect((await fetch(`${shop.url}/health/ready`)).status).toBe(200);
    let placed = 0;
    let token = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const reply = await request(shop.url, 'POST', '/api/orders', { orderId: `b-${placed}`, customerId: 'c-thread', currency: 'EUR', lines: [{ sku: 'THR', quantity: 1 }] });
        expect(reply.status, JSON.stringify(reply.body)).toBe(202);
        token = Math.max(token, reply.body.position);
        placed++;
      }
    })();
    for (let crash = 0; crash < 2; crash++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const thread = threads.at(-1)!;
      const exited = new Promise((resolve) => thread.once('exit', resolve));
      // as a crash would: no goodbye, batches cut wherever they were
      await thread.terminate();
      await exited;
      expect((await fetch(`${shop.url}/health/ready`)).status).toBe(503);
      await until('a new projector thread running', async () => threads.length === crash + 2 && (await fetch(`${shop.url}/health/ready`)).status === 200);
    }
    writing = false;
    await writer;
    expect(placed).toBeGreaterThan(10);
    const orders = await request(shop.url, 'GET', '/api/customers/c-thread/orders?limit=100', undefined, { 'X-Min-Position': String(token), 'X-Wait-Ms': '15000' });
    expect(orders.headers.get('x-consistency')).toBe('caught-up');
    // counted by a read model that adds one per order: a batch applied twice would show here
    const analytics = await request(shop.url, 'GET', '/api/analytics/sales', undefined, { 'X-Min-Position': String(token) });
    const counted = (analytics.body.minutes as { orders: number }[]).reduce((sum, minute) => sum + minute.orders, 0);
    expect(counted).toBe(placed);
    expect(new Set((orders.body.orders as { orderId: string }[]).map((o) => o.orderId)).size).toBe(Math.min(placed, 100));
  });

  it('stops with the process on SIGTERM: batches finished, exit code 0', async () => {
    database = await createTestDatabase();
    const running = await spawnShop(['--store', database.url], { LOG_LEVEL: 'info' });
    expect((await request(running.url, 'POST', '/api/products', product('THR', 1_000))).status).toBe(202);
    await placeOrders(running.url, 'c', 3);
    await until('the projector thread running', async () => running.output().includes('projector thread running'));
    const code = new Promise<number | null>((resolve) => running.child.once('exit', (exitCode) => resolve(exitCode)));
    await running.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(running.output()).not.toMatch(/projector thread (failed|ended)/);
  });
});
