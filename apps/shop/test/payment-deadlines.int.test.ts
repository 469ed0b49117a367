// Payment deadlines across crashes: two `twofold serve` processes on one PostgreSQL, each SIGKILLed and restarted at
// random moments, while orders are placed and some paid (some racing their deadline). Every unpaid order is cancelled
// by its deadline exactly once, no paid order is, and the stock each deadline releases is what its order reserved.
import { openSqlClient, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const windowMs = 300;
const env = { LOG_LEVEL: 'error', TWOFOLD_PAYMENT_WINDOW_MS: String(windowMs), TWOFOLD_LEASE_RETRY_MS: '100', TWOFOLD_PROJECTION_POLL_MS: '50' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LoggedEvent {
  stream_id: string;
  type: string;
  data: { orderId?: string; reason?: string; quantity?: number };
  metadata: { commandId?: string };
}

describe('payment deadlines across SIGKILLs, with two processes', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  const shops: (ShopProcess | undefined)[] = [undefined, undefined];
  beforeAll(async () => {
    database = await createTestDatabase();
    client = await openSqlClient(database.url);
    [shops[0], shops[1]] = await Promise.all([spawnShop(['--store', database.url], env), spawnShop(['--store', database.url], env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(shops.map((shop) => shop?.kill('SIGKILL')));
    await client?.close();
    if (process.env.KEEP_DB === undefined) await database?.drop();
    else console.log(database?.url);
  });

  it('cancels each unpaid order exactly once, never a paid one, releasing what it reserved', async () => {
    const live = (): ShopProcess[] => shops.filter((shop): shop is ShopProcess => shop !== undefined && shop.child.exitCode === null && shop.child.signalCode === null);
    let accepted = 0;
    const send = async (method: string, path: string, body?: unknown): Promise<void> => {
      // while both are down, wait for one to be back
      for (let waited = 0; live().length === 0 && waited < 20_000; waited += 50) await sleep(50);
      const [shop] = live().sort(() => Math.random() - 0.5);
      // a request cut by a kill may or may not have been applied: the log, not the answer, is the truth checked below
      if (shop !== undefined) accepted += (await request(shop.url, method, path, body).catch(() => undefined))?.status === 202 ? 1 : 0;
    };
    await send('POST', '/api/products', product('DL-1', 100_000));
    await sleep(200);

    let stop = false;
    let kills = 0;
    const restarts: Promise<void>[] = [];
    const killer = (async () => {
      while (!stop) {
        await sleep(300 + Math.random() * 700);
        const index = Math.floor(Math.random() * 2);
        const victim = shops[index];
        if (stop || victim === undefined) continue;
        // killed at a random moment, restarted at once (the other keeps serving meanwhile, or is down too)
        shops[index] = undefined;
        await victim.kill('SIGKILL');
        kills++;
        restarts.push(spawnShop(['--store', database.url], env).then((shop) => void (shops[index] = shop)));
      }
    })();
    const started = Date.now();
    const work: Promise<void>[] = [];
    for (let i = 0; (Date.now() - started < 10_000 || kills < 4 || accepted < 90) && Date.now() - started < 60_000; i++) {
      const orderId = `dl-${i}`;
      const quantity = 1 + (i % 4);
      work.push(
        (async () => {
          await send('POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'DL-1', quantity }] });
          // a third paid well in time, a sixth right when the deadline falls due (a race), the rest never
          if (i % 3 === 0) await send('POST', `/api/orders/${orderId}/pay`, { amountCents: quantity * 1_000, paymentRef: `p-${i}` });
          else if (i % 6 === 1) {
            await sleep(windowMs - 20 + Math.random() * 40);
            await send('POST', `/api/orders/${orderId}/pay`, { amountCents: quantity * 1_000, paymentRef: `p-${i}` });
          }
        })(),
      );
      await sleep(40);
    }
    await Promise.all(work);
    stop = true;
    await killer;
    await Promise.all(restarts);
    expect(kills).toBeGreaterThanOrEqual(4);

    // once both processes run undisturbed, every order has its deadline, and every deadline is settled
    const settled = `SELECT (SELECT count(*) FROM twofold_events WHERE event_type = 'OrderPlaced') = (SELECT count(*) FROM twofold_deadlines)
      AND NOT EXISTS (SELECT FROM twofold_deadlines WHERE status = 'pending') AS settled`;
    await expect.poll(async () => (await client.query<{ settled: boolean }>(settled)).rows[0]!.settled, { timeout: 30_000, interval: 200 }).toBe(true);

    const events = (await client.query<LoggedEvent>(`SELECT stream_id, event_type AS type, data, metadata FROM twofold_events ORDER BY global_position`)).rows;
    const placed = new Map(events.filter((e) => e.type === 'OrderPlaced').map((e) => [e.data.orderId!, e]));
    expect(placed.size).toBeGreaterThanOrEqual(40);
    const ofOrder = (orderId: string, type: string) => events.filter((e) => e.stream_id === `order-${orderId}` && e.type === type);
    let timedOut = 0;
    for (const orderId of placed.keys()) {
      const paid = ofOrder(orderId, 'OrderPaid');
      const cancelled = ofOrder(orderId, 'OrderCancelled');
      // exactly one of paid or cancelled, and a cancellation only ever by the payment deadline
      const deadline = (await client.query(`SELECT * FROM twofold_deadlines WHERE instance = $1`, [orderId])).rows;
      expect(paid.length + cancelled.length, `${orderId} ${JSON.stringify(deadline)}`).toBe(1);
      if (cancelled.length === 1) {
        timedOut++;
        expect(cancelled[0]!.data.reason).toBe('payment_timeout');
        expect(cancelled[0]!.metadata.commandId).toBe(`paymentTimeouts/${orderId}/payment`);
        const reserved = events.filter((e) => e.type === 'StockReserved' && e.data.orderId === orderId).map((e) => e.data.quantity);
        const released = events.filter((e) => e.type === 'StockReleased' && e.data.orderId === orderId).map((e) => e.data.quantity);
        expect(released).toEqual(reserved);
      }
    }
    expect(timedOut).toBeGreaterThan(10);
    const rows = (await client.query<{ instance: string; status: string }>(`SELECT instance, status FROM twofold_deadlines`)).rows;
    expect(rows).toHaveLength(placed.size);
    for (const { instance, status } of rows) expect([status, instance]).toEqual([ofOrder(instance, 'OrderCancelled').length === 1 ? 'fired' : expect.stringMatching(/^(cancelled|rejected)$/), instance]);

    // the read model shows when payment was due
    const [shop] = live();
    const order = await request(shop!.url, 'GET', '/api/orders/dl-0');
    expect(new Date(order.body.paymentDueAt).getTime() - new Date(order.body.placedAt).getTime()).toBe(windowMs);
    // the stock the deadlines released is back: only paid orders still hold theirs
    const paidUnits = events
      .filter((e) => e.type === 'OrderPaid')
      .map((e) => events.find((p) => p.type === 'StockReserved' && p.data.orderId === e.data.orderId)!.data.quantity!)
      .reduce((sum, quantity) => sum + quantity, 0);
    await expect
      .poll(async () => (await request(shop!.url, 'GET', '/api/products?q=DL-1')).body.items?.[0], { timeout: 15_000, interval: 200 })
      .toMatchObject({ sku: 'DL-1', reserved: paidUnits, available: 100_000 - paidUnits });
    // and the metric counts them
    const metrics = await fetch(`${shop!.url}/metrics`).then((reply) => reply.text());
    expect(metrics).toContain(`twofold_deadlines{state="fired"} ${rows.filter((row) => row.status === 'fired').length}`);
    expect(metrics).toContain('twofold_deadlines{state="pending"} 0');
  }, 120_000);
});
