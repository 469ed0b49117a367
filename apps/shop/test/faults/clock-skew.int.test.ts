// Clock skew is irrelevant to correctness: events written by a writer whose clock goes backwards (raw SQL setting
// twofold_events.recorded_at, which defaults to the server's now()) are projected in log order, token waits resolve,
// lag never goes negative, and time travel by position answers the same states. Each order is written so that time
// order would give another answer: its OrderPaid is recorded an hour before its OrderPlaced.
import { openSqlClient, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orderStream } from '../../src/domain/order.js';
import { startShop, type Shop } from '../../src/shop-server.js';
import { product, request } from '../shop-fixture.js';

let database: TestDatabase;
let shop: Shop;
let sql: PostgresClient;
beforeAll(async () => {
  database = await createTestDatabase();
  shop = await startShop({ store: database.url, port: 0, daemon: { pollIntervalMs: 50 } });
  sql = await openSqlClient(database.url);
}, 60_000);
afterAll(async () => {
  await sql?.close();
  await shop?.close();
  await database?.drop();
});

interface Template {
  readonly event_type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

it('projects a skewed writer’s events in log order: tokens resolve, lag never negative, time travel by position unchanged', async () => {
  // a real order, placed and paid through the API: its events are the template of the skewed writer's
  expect((await request(shop.url, 'POST', '/api/products', product('SKEW-1', 1_000))).status).toBe(202);
  expect((await request(shop.url, 'POST', '/api/orders', { orderId: 'skew-0', customerId: 'c', currency: 'EUR', lines: [{ sku: 'SKEW-1', quantity: 1 }] })).status).toBe(202);
  const paid = await request(shop.url, 'POST', '/api/orders/skew-0/pay', { amountCents: 1_000, paymentRef: 'p-0' });
  expect(paid.status).toBe(202);
  const { rows: templates } = await sql.query<Template>(`SELECT event_type, data, metadata FROM twofold_events WHERE stream_id = $1 ORDER BY stream_version`, [orderStream('skew-0')]);
  expect(templates.map((t) => t.event_type)).toEqual(['OrderPlaced', 'OrderPaid']);

  // lag as /api/projections and /metrics report it, sampled all along
  const lags: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const listed = await request(shop.url, 'GET', '/api/projections');
      for (const p of listed.body.projections as { lagMs: number; lagEvents: number }[]) lags.push(p.lagMs, p.lagEvents);
      const metrics = await fetch(`${shop.url}/metrics`).then((r) => r.text());
      for (const match of metrics.matchAll(/^twofold_projection_lag_(?:seconds|events)\{[^}]*\} (\S+)$/gm)) lags.push(Number(match[1]));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  // the skewed writer: each event recorded further in the past than the one before it in the log, and every order's
  // OrderPaid an hour before its OrderPlaced
  const orders = 8;
  const written: { orderId: string; placedAt: number; paidAt: number }[] = [];
  let hoursBack = 0;
  const insert = async (orderId: string, template: Template, version: number): Promise<number> => {
    hoursBack++;
    const { rows } = await sql.query<{ global_position: string }>(
      `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at)
       VALUES ($1, $2, gen_random_uuid(), $3, jsonb_set($4::jsonb, '{orderId}', to_jsonb($5::text)), $6::jsonb, now() - make_interval(hours => $7))
       RETURNING global_position`,
      [orderStream(orderId), version, template.event_type, JSON.stringify(template.data), orderId, JSON.stringify(template.metadata), hoursBack],
    );
    return Number(rows[0]!.global_position);
  };
  const waits: { orderId: string; status: number; consistency: string | null; state: string; waitedMs: number }[] = [];
  for (let i = 1; i <= orders; i++) {
    const orderId = `skew-${i}`;
    const placedAt = await insert(orderId, templates[0]!, 1);
    const paidAt = await insert(orderId, templates[1]!, 2);
    written.push({ orderId, placedAt, paidAt });
    // the token of the skewed write resolves like any other
    const started = Date.now();
    const read = await request(shop.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': String(paidAt), 'X-Wait-Ms': '5000' });
    waits.push({ orderId, status: read.status, consistency: read.headers.get('x-consistency'), state: read.body?.status, waitedMs: Date.now() - started });
  }
  sampling = false;
  await sampler;

  // recorded_at really goes backwards in log order
  const { rows: times } = await sql.query<{ backwards: string }>(
    `SELECT count(*) AS backwards FROM (SELECT recorded_at < lag(recorded_at) OVER (ORDER BY transaction_id, global_position) AS back FROM twofold_events) steps WHERE back`,
  );
  const backwards = Number(times[0]!.backwards);

  // time travel by position: before the first event nothing, at OrderPlaced placed, at OrderPaid paid
  const travels = await Promise.all(
    written.map(async ({ orderId, placedAt, paidAt }) => [
      (await request(shop.url, 'GET', `/api/orders/${orderId}?at=${placedAt - 1}`)).status,
      (await request(shop.url, 'GET', `/api/orders/${orderId}?at=${placedAt}`)).body?.status,
      (await request(shop.url, 'GET', `/api/orders/${orderId}?at=${paidAt}`)).body?.status,
    ]),
  );
  // the read model: each order in log order's state (time order would have dropped the payment of an unknown order)
  const summaries = await Promise.all(written.map(async ({ orderId }) => (await request(shop.url, 'GET', `/api/orders/${orderId}`)).body));

  console.info(
    `clock skew: ${written.length * 2} events written with recorded_at going back an hour at each, ${backwards} steps backwards in log order; ` +
      `token waits ${JSON.stringify(waits.map((w) => `${w.status} ${w.consistency} ${w.state} ${w.waitedMs} ms`))}; ${lags.length} lag samples, smallest ${Math.min(...lags)}`,
  );
  expect(backwards).toBeGreaterThanOrEqual(written.length * 2 - 1);
  expect(waits.filter((w) => w.status !== 200 || w.consistency !== 'caught-up' || w.state !== 'paid')).toEqual([]);
  expect(lags.length).toBeGreaterThan(0);
  expect(lags.filter((lag) => !(lag >= 0))).toEqual([]);
  expect(travels).toEqual(written.map(() => [404, 'placed', 'paid']));
  expect(summaries.map((s) => [s.orderId, s.status, s.lastPosition])).toEqual(written.map((w) => [w.orderId, 'paid', w.paidAt]));

  // and every read model passes the skewed events: none is stuck behind a time it waits for
  const head = (await shop.eventStore.head())!.cursor.position;
  for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const listed = (await request(shop.url, 'GET', '/api/projections')).body.projections as { position: number }[];
    if (listed.every((p) => p.position >= head)) break;
    if (Date.now() > deadline) throw new Error(`projections did not reach the head ${head}: ${JSON.stringify(listed)}`);
  }
}, 90_000);
