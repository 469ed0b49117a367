// Operating projections over HTTP: lag shown and flagged while paused, and a rebuild under write load that
// readers never notice, ending equal to a build from scratch.
import { createProjectionDaemon } from '@twofold/core';
import { migrate, openSqlClient, postgresProjectionStore } from '@twofold/postgres';
import { createTestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderSearch } from '../src/projections/index.js';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const projectionNamed = async (base: string, name: string) =>
  (await request(base, 'GET', '/api/projections')).body.projections.find((p: { name: string }) => p.name === name);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('projection lag on $name', (backend) => {
  let running: RunningShop;
  beforeAll(async () => {
    running = await backend.start();
  });
  afterAll(() => running?.stop());

  it('with the projector paused, reports growing lag, delayed past the threshold, and flags queries', async () => {
    const base = running.url;
    await request(base, 'POST', '/api/products', product('LAG-1', 100));
    const first = await request(base, 'POST', '/api/orders', { orderId: 'lag-0', customerId: 'c', currency: 'EUR', lines: [{ sku: 'LAG-1', quantity: 1 }] });
    expect((await request(base, 'GET', '/api/orders/lag-0', undefined, { 'X-Min-Position': String(first.body.position) })).status).toBe(200);

    expect((await request(base, 'POST', '/api/projections/orderSummaries/pause')).status).toBe(202);
    expect((await request(base, 'POST', '/api/projections/nope/pause')).status).toBe(404);
    await request(base, 'POST', '/api/orders', { orderId: 'lag-1', customerId: 'c', currency: 'EUR', lines: [{ sku: 'LAG-1', quantity: 1 }] });
    await pause(700);
    await request(base, 'POST', '/api/orders', { orderId: 'lag-2', customerId: 'c', currency: 'EUR', lines: [{ sku: 'LAG-1', quantity: 1 }] });
    const early = await projectionNamed(base, 'orderSummaries');
    expect(early).toMatchObject({ status: 'delayed', paused: true });
    expect(early.lagEvents).toBeGreaterThanOrEqual(2);
    expect(early.lagMs).toBeGreaterThanOrEqual(500);
    await pause(300);
    const last = await request(base, 'POST', '/api/orders', { orderId: 'lag-3', customerId: 'c', currency: 'EUR', lines: [{ sku: 'LAG-1', quantity: 1 }] });
    const later = await projectionNamed(base, 'orderSummaries');
    expect(later.lagEvents).toBeGreaterThan(early.lagEvents);
    expect(later.lagMs).toBeGreaterThan(early.lagMs);

    const read = await request(base, 'GET', '/api/orders/lag-0');
    expect(read.status).toBe(200);
    expect(read.headers.get('x-projection-delayed')).toBe('true');
    expect(read.headers.get('x-consistency')).toBe('stale');
    const waited = await request(base, 'GET', '/api/orders/lag-3', undefined, { 'X-Min-Position': String(last.body.position), 'X-Wait-Ms': '200' });
    expect(waited.status).toBe(404);

    expect((await request(base, 'POST', '/api/projections/orderSummaries/resume')).status).toBe(202);
    const caught = await request(base, 'GET', '/api/orders/lag-3', undefined, { 'X-Min-Position': String(last.body.position) });
    expect(caught.status).toBe(200);
    expect(caught.headers.get('x-projection-delayed')).toBeNull();
    expect(await projectionNamed(base, 'orderSummaries')).toMatchObject({ status: 'running', paused: false, lagEvents: 0 });
  });
});

describe('rebuilding orderSearch under write load on PostgreSQL', () => {
  let running: RunningShop;
  beforeAll(async () => {
    // small batches, so that the rebuild of this short history spans several polls
    running = await backends[1]!.start({ daemon: { pollIntervalMs: 50, batchSize: 2 } });
  });
  afterAll(() => running?.stop());

  it('never shows a fixed customer fewer orders than before, and ends equal to a build from scratch', async () => {
    const base = running.url;
    await request(base, 'POST', '/api/products', product('RB-1', 1_000_000));
    let last = 0;
    for (let i = 0; i < 150; i++) {
      const placed = await request(base, 'POST', '/api/orders', { orderId: `rb-${i}`, customerId: i % 3 === 0 ? 'fixed' : `c-${i}`, currency: 'EUR', lines: [{ sku: 'RB-1', quantity: 1 }] });
      last = placed.body.position;
    }
    // every page of the fixed customer's orders (the writer may outrun one page while the rebuild runs)
    const count = async (token?: number) => {
      let total = 0;
      let cursor: string | undefined;
      do {
        const page = await request(base, 'GET', `/api/orders?customerId=fixed&limit=200${cursor === undefined ? '' : `&cursor=${cursor}`}`, undefined, token === undefined ? {} : { 'X-Min-Position': String(token) });
        total += page.body.items.length as number;
        cursor = page.body.nextCursor;
      } while (cursor !== undefined);
      return total;
    };
    const before = await count(last);
    expect(before).toBe(50);

    let writing = true;
    let written = 150;
    const writer = (async () => {
      while (writing) {
        const placed = await request(base, 'POST', '/api/orders', { orderId: `rb-${written}`, customerId: written % 3 === 0 ? 'fixed' : `c-${written}`, currency: 'EUR', lines: [{ sku: 'RB-1', quantity: 1 }] });
        last = placed.body.position;
        written++;
      }
    })();
    let fewest = Number.POSITIVE_INFINITY;
    let polls = 0;
    expect((await request(base, 'POST', '/api/projections/orderSearch/rebuild')).status).toBe(202);
    expect((await projectionNamed(base, 'orderSearch')).status).toBe('rebuilding');
    const deadline = Date.now() + 60_000;
    for (;;) {
      fewest = Math.min(fewest, await count());
      polls++;
      const state = await projectionNamed(base, 'orderSearch');
      if (state.rebuild === null && state.generation === 2) break;
      if (Date.now() > deadline) throw new Error('the rebuild did not finish');
    }
    writing = false;
    await writer;
    expect(polls).toBeGreaterThan(1);
    expect(fewest).toBeGreaterThanOrEqual(before);
    expect(await count(last)).toBe(Math.ceil(written / 3));

    // a build from scratch of the same history, in a database of its own
    const fresh = await createTestDatabase();
    const client = await openSqlClient(fresh.url);
    try {
      await migrate(client);
      const projectionStore = postgresProjectionStore(client);
      const daemon = createProjectionDaemon({ eventStore: running.shop.eventStore, projectionStore, projections: [orderSearch] });
      daemon.start();
      const head = (await running.shop.eventStore.head())!.cursor.position;
      while ((await projectionStore.readCheckpoints([orderSearch.name]))[0]?.cursor.position !== head) await pause(20);
      await daemon.stop();
      await projectionStore.close();
      const dump = 'SELECT * FROM order_search ORDER BY order_id';
      const rebuilt = (await running.shop.readClient.query(dump)).rows;
      expect(rebuilt).toHaveLength(written);
      expect(rebuilt).toEqual((await client.query(dump)).rows);
    } finally {
      await client.close();
      await fresh.drop();
    }
  });
});
