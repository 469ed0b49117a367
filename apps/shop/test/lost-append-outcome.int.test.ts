// Regression: a connection cut after a command's append was sent. A committed command is answered 202 with its own position
// (found by its command id), never "503 retry" that would double it; when it cannot be looked up, 503 outcome_unknown (with
// Retry-After only because the command carried an Idempotency-Key), and a retry with the same key applies it at most once.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { startCuttingProxy, type CuttingProxy } from './cutting-proxy.js';
import { product, request } from './shop-fixture.js';

describe('an append whose answer is lost with its connection (PostgreSQL)', () => {
  let database: TestDatabase;
  let proxy: CuttingProxy;
  let shop: Shop;
  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startCuttingProxy(database.url);
    shop = await startShop({ store: proxy.url, port: 0, daemon: { pollIntervalMs: 50 }, projectorThread: false });
  });
  afterAll(async () => {
    await shop?.close();
    await proxy?.close();
    await database?.drop();
  });

  const restocksOf = async (sku: string): Promise<{ globalPosition: number; metadata: Record<string, unknown> }[]> => {
    const history = await request(shop.url, 'GET', `/api/streams/product-${sku}`);
    return (history.body.events as { type: string; globalPosition: number; metadata: Record<string, unknown> }[]).filter((e) => e.type === 'ProductRestocked');
  };

  it('a restock committed before the cut is answered 202 with its own position, and is stored once', async () => {
    expect((await request(shop.url, 'POST', '/api/products', product('CUT-1', 0))).status).toBe(202);
    const cut = proxy.cutAfter({ after: 'twofold_append_event' });
    const reply = await request(shop.url, 'POST', '/api/products/CUT-1/restock', { quantity: 10 });
    await cut;
    const stored = await restocksOf('CUT-1');
    expect(stored).toHaveLength(1);
    expect(reply.status).toBe(202);
    expect(reply.body.position).toBe(stored[0]!.globalPosition);
    expect(reply.headers.get('x-position')).toBe(String(stored[0]!.globalPosition));
    expect(typeof stored[0]!.metadata['commandId']).toBe('string');
  });

  it('when the outcome cannot be looked up: 503 outcome_unknown, retry-safe with its Idempotency-Key, and the keyed retry applies it once', async () => {
    expect((await request(shop.url, 'POST', '/api/products', product('CUT-2', 0))).status).toBe(202);
    // the COMMIT of the transaction that holds the events and the key is sent and runs; its answer is lost, and the database goes away
    const cut = proxy.cutAfter({ after: 'twofold_append_event', then: 'COMMIT' });
    void cut.then(() => proxy.setDown(true));
    const reply = await request(shop.url, 'POST', '/api/products/CUT-2/restock', { quantity: 10 }, { 'Idempotency-Key': 'restock-cut-2' });
    proxy.setDown(false);
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('outcome_unknown');
    // a keyed command may be retried as it is (the key applies it at most once); unkeyed, the answer has no Retry-After
    // (packages/http: command-route.test.ts, error-response.outcome-unknown.test.ts)
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.body.error.message).toMatch(/Idempotency-Key/);
    expect(typeof reply.body.error.details.commandId).toBe('string');

    let retry = await request(shop.url, 'POST', '/api/products/CUT-2/restock', { quantity: 10 }, { 'Idempotency-Key': 'restock-cut-2' });
    // the pools reconnect on their own; a retry while they do is a plain 503 with Retry-After
    for (let i = 0; i < 50 && retry.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      retry = await request(shop.url, 'POST', '/api/products/CUT-2/restock', { quantity: 10 }, { 'Idempotency-Key': 'restock-cut-2' });
    }
    const stored = await restocksOf('CUT-2');
    expect(stored).toHaveLength(1);
    expect(retry.status).toBe(202);
    expect(retry.body.position).toBe(stored[0]!.globalPosition);
    expect(stored[0]!.metadata['commandId']).toBe(reply.body.error.details.commandId);
  });

  it('a cut before the COMMIT applied nothing: 503 store_unavailable with Retry-After, and the retry applies it once', async () => {
    expect((await request(shop.url, 'POST', '/api/products', product('CUT-3', 0))).status).toBe(202);
    // the events are inserted inside the transaction, whose answer is lost: the server rolls it back
    const cut = proxy.cutAfter({ after: 'twofold_append_event' });
    const reply = await request(shop.url, 'POST', '/api/products/CUT-3/restock', { quantity: 10 }, { 'Idempotency-Key': 'restock-cut-3' });
    await cut;
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('store_unavailable');
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(await restocksOf('CUT-3')).toHaveLength(0);
    const retry = await request(shop.url, 'POST', '/api/products/CUT-3/restock', { quantity: 10 }, { 'Idempotency-Key': 'restock-cut-3' });
    expect(retry.status).toBe(202);
    expect(await restocksOf('CUT-3')).toHaveLength(1);
  });

  it('a statement lost before it reached the server, once its session is seen to have ended: 503 store_unavailable with Retry-After', async () => {
    expect((await request(shop.url, 'POST', '/api/products', product('CUT-4', 0))).status).toBe(202);
    const cut = proxy.cutAfter({ after: 'twofold_append_event', beforeSending: true });
    const reply = await request(shop.url, 'POST', '/api/products/CUT-4/restock', { quantity: 10 });
    await cut;
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('store_unavailable');
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(await restocksOf('CUT-4')).toHaveLength(0);
    expect((await request(shop.url, 'POST', '/api/products/CUT-4/restock', { quantity: 10 })).status).toBe(202);
    expect(await restocksOf('CUT-4')).toHaveLength(1);
  });
});
