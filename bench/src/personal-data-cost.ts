// The cost of sealing personal data on the command path: POST /api/orders on the shop (every role in one process,
// PostgreSQL), closed loop, in one run: encryption off (no master key: the customer in clear), on with the customer
// and address sealed, and on with orders that carry no personal data (nothing to seal). Each variant on a fresh
// database, in turns (off, on, no data) repeated, so drift of the shared machine falls on all of them.
//   npm run build && node bench/dist/personal-data-cost.js [--seconds 3] [--clients 16] [--rounds 1]
import { parseArgs } from 'node:util';
import { startShop } from '@twofold/shop';
import { createTestDatabase } from '@twofold/testing/database';
import { createHttpClient } from './http-client.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, clients: { type: 'string', default: '16' }, rounds: { type: 'string', default: '1' } } });
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const rounds = Number(values.rounds);
const serverUrl = process.env['TWOFOLD_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

type Variant = 'off' | 'on' | 'on, no personal data';
const masterKey = Buffer.alloc(32, 7).toString('base64');

async function measure(variant: Variant, round: number): Promise<number> {
  const database = await createTestDatabase(serverUrl, { label: 'bench_shred', serverVariable: 'TWOFOLD_BENCH_DATABASE_URL' });
  // the shop reads its master key from the environment when it opens the store
  if (variant === 'off') delete process.env['TWOFOLD_MASTER_KEY'];
  else process.env['TWOFOLD_MASTER_KEY'] = masterKey;
  const shop = await startShop({ store: database.url, port: 0 });
  const http = createHttpClient(shop.url, clients);
  try {
    // orders spread over 16 products, so that no one product's stream serializes them
    for (let p = 0; p < 16; p++) {
      await http.expect(202, 'POST', '/api/products', { sku: `PD-${p}`, name: 'Kettle', description: '', category: 'kitchen', priceCents: 100, currency: 'EUR', merchantId: 'm-1', stock: 10_000_000 });
    }
    let placed = 0;
    let next = 0;
    const order = () => {
      const n = next++;
      const personal = variant === 'on, no personal data' ? {} : {
        customer: { name: `Customer ${n}`, email: `customer${n}@example.org` },
        shippingAddress: { line1: `${n} Main Street`, city: 'Springfield', postalCode: '49007', country: 'US' },
      };
      return { customerId: `c-${n % 5_000}`, currency: 'EUR', lines: [{ sku: `PD-${n % 16}`, quantity: 1 }], ...personal };
    };
    const loop = async (until: number, count: boolean) => {
      while (Date.now() < until) {
        await http.expect(202, 'POST', '/api/orders', order());
        if (count) placed++;
      }
    };
    // half a second of warm-up: connections, the JIT
    const warm = Date.now() + 500;
    await Promise.all(Array.from({ length: clients }, () => loop(warm, false)));
    const started = Date.now();
    await Promise.all(Array.from({ length: clients }, () => loop(started + seconds * 1_000, true)));
    const perSecond = placed / ((Date.now() - started) / 1_000);
    process.stderr.write(`round ${round} ${variant}: ${perSecond.toFixed(0)} orders/s\n`);
    return perSecond;
  } finally {
    await http.close();
    await shop.close();
    await database.drop();
  }
}

const variants: Variant[] = ['off', 'on', 'on, no personal data'];
const results = new Map<Variant, number[]>(variants.map((v) => [v, []]));
for (let round = 1; round <= rounds; round++) for (const variant of variants) results.get(variant)!.push(await measure(variant, round));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const off = mean(results.get('off')!);
console.log(`| encryption | orders/s (mean of ${rounds} × ${seconds} s, ${clients} clients) | vs off |\n|---|---|---|`);
for (const variant of variants) {
  const value = mean(results.get(variant)!);
  console.log(`| ${variant} | ${value.toFixed(0)} (${results.get(variant)!.map((x) => x.toFixed(0)).join(', ')}) | ${(value / off).toFixed(2)}× |`);
}
