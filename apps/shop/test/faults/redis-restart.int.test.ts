// Redis restarted under load (cut for ~2 s through a TCP proxy, so the shared Redis is never touched), while orders are
// placed and paid with order summaries in Redis (--kv): afterwards every acknowledged order is readable by id with its
// token, the Redis read model equals a fold of the log (no event lost, none applied twice: each key's guard cursor is
// its order's last event), and the projection's status recovers. The time from Redis's return to a caught-up
// projection is measured.
import { randomBytes } from 'node:crypto';
import type { StoredEvent } from '@twofold/core';
import { createRedisClient, readModelKey, redisProjectionStore, type Redis } from '@twofold/redis';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/index.js';
import { evolveOrderSummary, orderSummaryKey } from '../../src/projections/order-summaries/redis-order-summaries.js';
import { startShop, type Shop } from '../../src/shop-server.js';
import { product, request } from '../shop-fixture.js';
import { startTcpProxy, throughProxy, type TcpProxy } from './tcp-proxy.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const cutMs = 2_000;
const workers = 8;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let database: TestDatabase;
let proxy: TcpProxy;
let shop: Shop;
let redis: Redis;
const keyPrefix = `redis-restart-${randomBytes(4).toString('hex')}:`;
beforeAll(async () => {
  database = await createTestDatabase();
  redis = createRedisClient(redisUrl);
  const target = new URL(redisUrl);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  shop = await startShop({ store: database.url, kv: throughProxy(redisUrl, proxy), kvKeyPrefix: keyPrefix, port: 0, daemon: { pollIntervalMs: 50 } });
  expect((await request(shop.url, 'POST', '/api/products', product('RR-1', 1_000_000))).status).toBe(202);
}, 60_000);
afterAll(async () => {
  await shop?.close();
  await proxy?.close();
  await database?.drop();
  if (redis !== undefined) {
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.unlink(...keys);
    await redis.quit();
  }
});

interface Acknowledged {
  readonly orderId: string;
  /** The token of its last acknowledged command, and the status that command left. */
  token: number;
  status: 'placed' | 'paid';
}

/** orderSummaries as /api/projections lists it; while its store cannot be read, the route's error code instead. */
async function orderStatus(): Promise<{ status: string; position: number; lastError: unknown }> {
  const listed = await request(shop.url, 'GET', '/api/projections');
  if (listed.status !== 200) return { status: `${listed.status} ${listed.body?.error?.code}`, position: -1, lastError: undefined };
  return listed.body.projections.find((p: { name: string }) => p.name === 'orderSummaries');
}

it(`Redis cut for ${cutMs / 1000} s under load: the read model converges to the log's fold, nothing applied twice, status recovers`, async () => {
  const acknowledged = new Map<string, Acknowledged>();
  const statuses: Record<string, number> = {};
  const count = (key: string) => (statuses[key] = (statuses[key] ?? 0) + 1);
  let running = true;
  let n = 0;
  // closed-loop workers: place an order, pay every other one
  const worker = async () => {
    while (running) {
      const orderId = `rr-${n++}`;
      const placed = await request(shop.url, 'POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'RR-1', quantity: 1 }] });
      count(`place ${placed.status}`);
      if (placed.status !== 202) continue;
      const order: Acknowledged = { orderId, token: placed.body.position as number, status: 'placed' };
      acknowledged.set(orderId, order);
      if (n % 2 === 0) {
        const paid = await request(shop.url, 'POST', `/api/orders/${orderId}/pay`, { amountCents: 1_000, paymentRef: `p-${orderId}` });
        count(`pay ${paid.status}`);
        if (paid.status === 202) Object.assign(order, { token: paid.body.position as number, status: 'paid' });
      }
    }
  };
  // reads by id of the first order (projected before the cut) while Redis is away: what a client sees (200 or 503,
  // never a 500), and how long it waits
  const reads: Record<string, number> = {};
  let slowestRead = 0;
  const reader = async () => {
    while (running) {
      const first = acknowledged.get('rr-0');
      if (first !== undefined) {
        const readStarted = Date.now();
        const read = await request(shop.url, 'GET', `/api/orders/${first.orderId}`, undefined, { 'X-Min-Position': String(first.token) });
        slowestRead = Math.max(slowestRead, Date.now() - readStarted);
        const key = `${read.status}${read.body?.error?.code === undefined ? '' : ` ${read.body.error.code}`}`;
        reads[key] = (reads[key] ?? 0) + 1;
      }
      await pause(50);
    }
  };
  const started = Date.now();
  const load = Promise.all([...Array.from({ length: workers }, worker), reader()]);
  await pause(2_000);
  const cutAt = Date.now();
  const duringCut: string[] = [];
  const watch = (async () => {
    while (Date.now() - cutAt < cutMs) {
      duringCut.push((await orderStatus()).status);
      await pause(250);
    }
  })();
  await proxy.cut(cutMs, 'reset');
  const backAt = Date.now();
  // recovery, under the continuing load: the projection passes the head as it was when Redis returned
  const headAtReturn = (await shop.eventStore.head())!.cursor.position;
  let recoveredMs: number | undefined;
  for (const deadline = backAt + 30_000; Date.now() < deadline; await pause(50)) {
    const status = await orderStatus();
    if (status.status === 'running' && status.position >= headAtReturn) {
      recoveredMs = Date.now() - backAt;
      break;
    }
  }
  await watch;
  await pause(Math.max(0, backAt + 3_000 - Date.now()));
  running = false;
  await load;
  const loadSeconds = (Date.now() - started) / 1000;

  // then it catches up with the head, its last error cleared
  const head = (await shop.eventStore.head())!.cursor.position;
  let caughtUp = false;
  for (const deadline = Date.now() + 30_000; !caughtUp && Date.now() < deadline; await pause(50)) {
    const status = await orderStatus();
    caughtUp = status.status === 'running' && status.position >= head && status.lastError === null;
  }

  // every acknowledged order by id, with its token: found, caught up, at least as far as its acknowledged status
  const replies = await Promise.all(
    [...acknowledged.values()].map(async (order) => ({ order, reply: await request(shop.url, 'GET', `/api/orders/${order.orderId}`, undefined, { 'X-Min-Position': String(order.token) }) })),
  );
  const unreadable = replies.filter(({ order, reply }) => reply.status !== 200 || reply.headers.get('x-consistency') !== 'caught-up' || reply.body.status !== order.status);

  // the fold of the log (a rebuild from scratch), compared with what Redis holds, key by key, guard cursor included
  const events: StoredEvent[] = [];
  for (let after = { transactionId: 0, position: 0 }; ; ) {
    const page = await shop.eventStore.readAll({ after, limit: 1_000 });
    if (page.length === 0) break;
    events.push(...page);
    after = { transactionId: page.at(-1)!.transactionId, position: page.at(-1)!.globalPosition };
  }
  type Summary = NonNullable<ReturnType<typeof evolveOrderSummary>>;
  const folded = new Map<string, { summary: Summary | undefined; last: StoredEvent }>();
  for (const event of events) {
    if (!('orderId' in (event.data as object)) || !event.type.startsWith('Order')) continue;
    const orderId = (event.data as { orderId: string }).orderId;
    const current = folded.get(orderId);
    const next = evolveOrderSummary(current?.summary, event as StoredEvent<OrderEvent>);
    folded.set(orderId, { summary: next ?? current?.summary, last: next === undefined ? (current?.last ?? event) : event });
  }
  const ids = [...folded.keys()];
  const store = redisProjectionStore(redis, { keyPrefix });
  const stored = await store.reader('orderSummaries').mget<Summary>(ids.map(orderSummaryKey));
  await store.close();
  const different = ids.filter((id, i) => JSON.stringify(stored[i]) !== JSON.stringify(folded.get(id)!.summary));
  const guards = await Promise.all(ids.map((id) => redis.hmget(readModelKey(keyPrefix, 'orderSummaries', orderSummaryKey(id)), 't', 'p')));
  const badGuards = ids.filter((id, i) => {
    const last = folded.get(id)!.last;
    return guards[i]![0] !== String(last.transactionId) || guards[i]![1] !== String(last.globalPosition);
  });
  const lost = [...acknowledged.keys()].filter((id) => !folded.has(id));

  console.info(
    `Redis cut (reset) at +${cutAt - started} ms for ${backAt - cutAt} ms under ${workers} writers: ${n} orders attempted in ${loadSeconds.toFixed(1)} s, commands ${JSON.stringify(statuses)}, ` +
      `${acknowledged.size} orders acknowledged (${[...acknowledged.values()].filter((o) => o.status === 'paid').length} paid); reads by id ${JSON.stringify(reads)} (slowest ${slowestRead} ms); ` +
      `orderSummaries status during the cut ${JSON.stringify([...new Set(duringCut)])}, past the head at its return (${headAtReturn}) ${recoveredMs} ms after Redis returned, caught up with the final head (${head}): ${caughtUp}; ` +
      `${ids.length} orders in the log, ${ids.length - different.length} equal to the fold in Redis, ${ids.length - badGuards.length} with the guard at their last event; ${unreadable.length} acknowledged orders not readable by token`,
  );
  expect(Object.keys(statuses).filter((s) => !s.endsWith(' 202'))).toEqual([]);
  expect(Object.keys(reads).filter((r) => r !== '200' && r !== '503 store_unavailable')).toEqual([]);
  expect(lost).toEqual([]);
  expect(recoveredMs).toBeDefined();
  expect(recoveredMs!).toBeLessThan(5_000);
  expect(caughtUp).toBe(true);
  expect(unreadable.map(({ order, reply }) => `${order.orderId}: ${reply.status} ${reply.headers.get('x-consistency')} ${reply.body?.status}`)).toEqual([]);
  expect(different).toEqual([]);
  expect(badGuards).toEqual([]);
  expect(acknowledged.size).toBeGreaterThan(100);
}, 120_000);
