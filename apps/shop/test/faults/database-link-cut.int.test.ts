// The database link cut for 3 s under 200 commands/s (through a TCP proxy, so the shared server is never touched):
// every command answered 202 is in the store afterwards, none answers 500 (503 is the answer for "try again"),
// and the time from the link's return to the first 202 is measured. Twice: connections reset (the database crashed),
// and a silent partition (nothing passes, nothing is refused) that heals.
import { openSqlClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startShop, type Shop } from '../../src/shop-server.js';
import { startTcpProxy, throughProxy, type TcpProxy } from './tcp-proxy.js';
import { product, request } from '../shop-fixture.js';

const ratePerSecond = 200;
const cutMs = 3_000;
const maxInFlight = 200;

interface Sent {
  readonly correlationId: string;
  readonly startedAt: number;
  endedAt: number;
  status: number | undefined;
  code: string | undefined;
  retryAfter: string | null;
  error: string | undefined;
}

let database: TestDatabase;
let proxy: TcpProxy;
let shop: Shop;
beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
  shop = await startShop({ store: throughProxy(database.url, proxy), port: 0, daemon: { pollIntervalMs: 50 } });
});
afterAll(async () => {
  await shop?.close();
  await proxy?.close();
  await database?.drop();
});

it.each(['reset', 'silent'] as const)(`cut (%s) for ${cutMs / 1000} s under ${ratePerSecond} commands/s: no 500, every 202 stored, recovery measured`, async (mode) => {
  const sku = `CUT-${mode}`;
  expect((await request(shop.url, 'POST', '/api/products', product(sku, 10_000_000))).status).toBe(202);
  const sent: Sent[] = [];
  const inFlight = new Set<Promise<void>>();
  const command = (n: number): Promise<void> => {
    const record: Sent = { correlationId: `cut-${mode}-${n}`, startedAt: Date.now(), endedAt: 0, status: undefined, code: undefined, retryAfter: null, error: undefined };
    sent.push(record);
    const body = n % 2 === 0 ? { quantity: 1 } : { orderId: `cut-${mode}-o${n}`, customerId: 'c', currency: 'EUR', lines: [{ sku, quantity: 1 }] };
    const path = n % 2 === 0 ? `/api/products/${sku}/restock` : '/api/orders';
    // unanswered after 30 s counts as a hang: the test fails on it
    // with an Idempotency-Key, as a client that retries should send: then even a command whose append was lost with
    // the link (outcome_unknown) may be retried, and its 503 says so with Retry-After
    const headers = { 'content-type': 'application/json', 'x-correlation-id': record.correlationId, 'idempotency-key': record.correlationId };
    return fetch(`${shop.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })
      .then(async (response) => {
        record.status = response.status;
        record.retryAfter = response.headers.get('retry-after');
        const text = await response.text();
        if (response.status >= 400) record.code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      })
      .catch((error: unknown) => {
        record.error = error instanceof Error ? error.message : String(error);
      })
      .finally(() => (record.endedAt = Date.now()));
  };
  // an open-loop load: one command every 5 ms, whether or not earlier ones were answered
  let n = 0;
  let skipped = 0;
  let loading = true;
  const started = Date.now();
  const load = (async () => {
    while (loading) {
      const due = started + (n * 1000) / ratePerSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      // at most maxInFlight unanswered: on a starved machine the load must not bury the server in its own backlog
      if (inFlight.size >= maxInFlight) {
        skipped++;
        n++;
        continue;
      }
      const pending = command(n++);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    }
  })();

  await new Promise((r) => setTimeout(r, 2_000));
  const cutAt = Date.now();
  await proxy.cut(cutMs, mode);
  const backAt = Date.now();
  await new Promise((r) => setTimeout(r, 6_000));
  loading = false;
  await load;
  const loadSeconds = (Date.now() - started) / 1000;
  await Promise.all(inFlight);

  const client = await openSqlClient(database.url);
  try {
    const { rows } = await client.query<{ id: string }>(`SELECT DISTINCT metadata->>'correlationId' AS id FROM twofold_events`);
    const stored = new Set(rows.map((r) => r.id));
    const accepted = sent.filter((s) => s.status === 202);
    const lost = accepted.filter((s) => !stored.has(s.correlationId));
    const statuses = sent.reduce<Record<string, number>>((counts, s) => {
      const key = s.status === undefined ? `no answer (${s.error})` : `${s.status}${s.code === undefined ? '' : ` ${s.code}`}`;
      return { ...counts, [key]: (counts[key] ?? 0) + 1 };
    }, {});
    const firstAfter = accepted.filter((s) => s.endedAt >= backAt).sort((a, b) => a.endedAt - b.endedAt)[0];
    const recoveryMs = firstAfter === undefined ? undefined : firstAfter.endedAt - backAt;
    const slowest = Math.max(...sent.map((s) => s.endedAt - s.startedAt));
    console.info(
      `link cut (${mode}) at +${cutAt - started} ms for ${backAt - cutAt} ms: ${sent.length} commands sent in ${loadSeconds.toFixed(1)} s (${skipped} ticks skipped at ${maxInFlight} in flight), ${accepted.length} answered 202, ${accepted.length - lost.length} of them found in the store; ` +
        `answers ${JSON.stringify(statuses)}; first 202 ${recoveryMs} ms after the link returned; slowest answer ${slowest} ms; ` +
        `503s without Retry-After: ${sent.filter((s) => s.status === 503 && s.retryAfter === null).length}`,
    );
    expect(lost.map((s) => s.correlationId)).toEqual([]);
    expect(sent.filter((s) => s.status !== undefined && s.status >= 500 && s.status !== 503)).toEqual([]);
    expect(sent.filter((s) => s.status === undefined)).toEqual([]);
    expect(sent.filter((s) => s.status === 503 && s.retryAfter === null)).toEqual([]);
    expect(recoveryMs).toBeDefined();
    expect(recoveryMs!).toBeLessThan(5_000);
  } finally {
    await client.close();
  }
}, 120_000);
