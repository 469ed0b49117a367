// Fuzzing every route of the shop's API with almost-valid requests: none may answer 5xx, and none but an accepted
// command may change the event log. The routes come from the running app, so new ones are fuzzed without a change here.
// TWOFOLD_FUZZ_RUNS sets the requests per backend; TWOFOLD_FUZZ_SEED replays a run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestsFor, type FuzzRequest, type KnownValues } from './fuzz/request-arbitraries.js';
import { routeTable, type Route } from './fuzz/route-table.js';
import { backends, product, request, type RunningShop } from '../shop-fixture.js';

const runs = Number(process.env.TWOFOLD_FUZZ_RUNS ?? 5_000);
const seed = Number(process.env.TWOFOLD_FUZZ_SEED ?? Date.now() % 2 ** 31);

interface Finding {
  readonly request: FuzzRequest;
  readonly status: number;
  readonly body: string;
  readonly problem: string;
}

/** What a request could have changed: the number of events and the highest position (SQL, not head(): that one trails open transactions). */
async function logState(running: RunningShop): Promise<string> {
  const { rows } = await running.shop.readClient.query<{ n: string; p: string | null }>('SELECT count(*) AS n, max(global_position) AS p FROM twofold_events');
  return `${rows[0]!.n} events up to ${rows[0]!.p ?? 0}`;
}

const hasErrorShape = (body: string): boolean => {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    return typeof error?.code === 'string' && typeof error.message === 'string';
  } catch {
    return false;
  }
};

const shown = (r: FuzzRequest): string => {
  const payload = r.payload === undefined ? '' : typeof r.payload === 'string' ? r.payload : r.payload.toString('latin1');
  return `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${JSON.stringify(payload.length > 300 ? `${payload.slice(0, 300)}…(${payload.length})` : payload)} [${r.mutation}]`;
};

describe.each(backends)('fuzzing the HTTP API on $name', (backend) => {
  let running: RunningShop;
  let routes: Route[];
  let known: KnownValues;
  beforeAll(async () => {
    running = await backend.start();
    const base = running.url;
    expect((await request(base, 'POST', '/api/products', product('FZ-1', 10_000_000))).status).toBe(202);
    expect((await request(base, 'POST', '/api/products', { ...product('FZ-2', 5, 250), currency: 'USD', merchantId: 'm-2' })).status).toBe(202);
    expect((await request(base, 'POST', '/api/orders', { orderId: 'fz-o', customerId: 'c-1', currency: 'EUR', lines: [{ sku: 'FZ-1', quantity: 1 }] })).status).toBe(202);
    expect((await request(base, 'POST', '/api/orders', { orderId: 'fz-paid', customerId: 'c-1', currency: 'EUR', lines: [{ sku: 'FZ-1', quantity: 2 }] })).status).toBe(202);
    expect((await request(base, 'POST', '/api/orders/fz-paid/pay', { amountCents: 2_000, paymentRef: 'p-1' })).status).toBe(202);
    const projections = (await request(base, 'GET', '/api/projections')).body.projections.map((p: { name: string }) => p.name) as string[];
    routes = routeTable(running.shop.app);
    known = {
      sku: ['FZ-1', 'FZ-2', 'NOPE'],
      id: ['fz-o', 'fz-paid', 'm-1', 'c-1', 'order-fz-o', 'product-FZ-1', 'merchant-m-1', 'nope'],
      name: [...projections, 'nope'],
      orderId: ['fz-o', 'fz-paid', 'fz-new'],
      customerId: ['c-1'],
      merchantId: ['m-1'],
      currency: ['EUR', 'USD'],
      payoutId: ['po-1'],
      cursor: ['WyJ4Il0', 'W10', 'eyJhIjoxfQ', 'WzEsMl0', 'WyJcdTAwMDAiLDFd', 'WzEuMGUrMzAwLCJ4Il0'],
    };
  });
  afterAll(() => running?.stop());

  it('finds every route of the app, hidden ones included', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const route of ['POST /api/orders', 'POST /api/orders/:id/pay', 'GET /api/orders/:id', 'POST /api/merchants/:id/payouts', 'GET /metrics', 'GET /api/openapi.json', 'DELETE /api/projections/:name/dead-letters']) {
      expect(names).toContain(route);
    }
  });

  // ~15 s a backend on a quiet machine; the bound leaves room for a busy one
  it(`answers ${runs} malformed requests without a 5xx or a shapeless error, changing the log only by an accepted command`, { timeout: 400_000 }, async () => {
    const findings: Finding[] = [];
    let accepted = 0;
    let before = await logState(running);
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requestsFor(routes, known), async (fuzz) => {
        const reply = await running.shop.app.inject({ method: fuzz.method as 'GET', url: fuzz.url, headers: fuzz.headers, ...(fuzz.payload === undefined ? {} : { payload: fuzz.payload }) });
        const after = await logState(running);
        const report = (problem: string) => findings.push({ request: fuzz, status: reply.statusCode, body: reply.body.slice(0, 500), problem });
        if (reply.statusCode >= 500) report('5xx');
        if (reply.statusCode >= 400 && !hasErrorShape(reply.body)) report('no error body');
        if (reply.statusCode === 202 && fuzz.method === 'POST') accepted++;
        else if (after !== before) report(`log changed from ${before} to ${after}`);
        before = after;
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    console.info(`fuzz on ${backend.name}: ${runs} requests over ${routes.length} routes in ${seconds.toFixed(1)} s (seed ${seed}), ${accepted} accepted commands, ${findings.filter((f) => f.problem === '5xx').length} 5xx, ${findings.length} findings`);
    expect(findings.map((f) => `${f.problem}: ${f.status} ${f.body}\n    ${shown(f.request)}`)).toEqual([]);
  });
});
