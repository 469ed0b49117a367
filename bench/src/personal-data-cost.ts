// The cost of sealing personal data: POST /api/orders on the shop (every role in one process, PostgreSQL), closed
// loop, three shops side by side in one run: encryption off (no master key: the customer in clear), on (customer and
// address sealed), and on with orders that carry no personal data (nothing to seal). The machine is shared, so the
// shops take turns in short slices, in an order that alternates, and each slice lasts until that shop's projections
// have applied its orders: a variant's projector work (opening the sealed fields) counts against it, not the next.
//   npm run build && node bench/dist/personal-data-cost.js [--slices 8] [--slice-ms 500] [--clients 16]
import { parseArgs } from 'node:util';
import { startShop, type Shop } from '@twofold/shop';
import { createTestDatabase, type TestDatabase } from '@twofold/testing/database';
import { createHttpClient, type HttpClient } from './http-client.js';

const { values } = parseArgs({
  options: { slices: { type: 'string', default: '8' }, 'slice-ms': { type: 'string', default: '500' }, clients: { type: 'string', default: '16' } },
});
const slices = Number(values.slices);
const sliceMs = Number(values['slice-ms']);
const clients = Number(values.clients);
const serverUrl = process.env['TWOFOLD_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

type Variant = 'off' | 'on' | 'on, no personal data';
const variants: readonly Variant[] = ['off', 'on', 'on, no personal data'];
const products = 16;

interface Running {
  readonly variant: Variant;
  readonly database: TestDatabase;
  readonly shop: Shop;
  readonly http: HttpClient;
  next: number;
  orders: number;
  ms: number;
}

async function open(variant: Variant): Promise<Running> {
  const database = await createTestDatabase(serverUrl, { label: 'bench_shred', serverVariable: 'TWOFOLD_BENCH_DATABASE_URL' });
  // the shop reads its master key from the environment when it opens the store
  if (variant === 'off') delete process.env['TWOFOLD_MASTER_KEY'];
  else process.env['TWOFOLD_MASTER_KEY'] = Buffer.alloc(32, 7).toString('base64');
  const shop = await startShop({ store: database.url, port: 0 });
  const http = createHttpClient(shop.url, clients);
  // orders spread over several products, so that no one product's stream serializes them
  for (let p = 0; p < products; p++) {
    await http.expect(202, 'POST', '/api/products', { sku: `PD-${p}`, name: 'Kettle', description: '', category: 'kitchen', priceCents: 100, currency: 'EUR', merchantId: 'm-1', stock: 10_000_000 });
  }
  return { variant, database, shop, http, next: 0, orders: 0, ms: 0 };
}

const orderOf = (variant: Variant, n: number) => ({
  customerId: `c-${n % 5_000}`,
  currency: 'EUR',
  lines: [{ sku: `PD-${n % products}`, quantity: 1 }],
  ...(variant === 'on, no personal data'
    ? {}
    : { customer: { name: `Customer ${n}`, email: `customer${n}@example.org` }, shippingAddress: { line1: `${n} Main Street`, city: 'Springfield', postalCode: '49007', country: 'US' } }),
});

/** Orders for `ms` from every client, then waits for the projections to apply them; counted unless warming up. */
async function slice(running: Running, ms: number, count: boolean): Promise<void> {
  const started = performance.now();
  const until = Date.now() + ms;
  let last = 0;
  let placed = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const answer = await running.http.expect(202, 'POST', '/api/orders', orderOf(running.variant, running.next++));
        last = Math.max(last, (JSON.parse(answer.body) as { position: number }).position);
        placed++;
      }
    }),
  );
  for (;;) {
    const { projections } = JSON.parse((await running.http.expect(200, 'GET', '/api/projections')).body) as { projections: { position: number }[] };
    if (projections.every((p) => p.position >= last)) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (count) {
    running.orders += placed;
    running.ms += performance.now() - started;
  }
}

const shops: Running[] = [];
try {
  for (const variant of variants) shops.push(await open(variant));
  for (const running of shops) await slice(running, sliceMs, false);
  for (let round = 0; round < slices; round++) {
    // forwards, then backwards: each variant goes first as often as last
    for (const running of round % 2 === 0 ? shops : [...shops].reverse()) await slice(running, sliceMs, true);
  }
  const off = shops[0]!.orders / shops[0]!.ms;
  console.log(`| encryption | orders/s, placed and projected (${slices} slices of ${sliceMs} ms, ${clients} clients) | vs off |\n|---|--:|--:|`);
  for (const running of shops) {
    const rate = running.orders / running.ms;
    console.log(`| ${running.variant} | ${(rate * 1_000).toFixed(0)} | ${(rate / off).toFixed(2)}× |`);
  }
} finally {
  for (const running of shops) {
    await running.http.close();
    await running.shop.close();
    await running.database.drop();
  }
}
