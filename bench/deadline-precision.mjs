// Deadline precision under load: a `twofold serve` on PostgreSQL takes an open loop of orders (half paid at once), and
// each unpaid order's payment deadline is measured from due to fired (the command appended and recorded), server clock.
// Run after `npm run build`:
//   node bench/deadline-precision.mjs [ordersPerSecond=100] [seconds=10] [windowMs=1000] [postgres://…/test]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const [rate = '100', seconds = '10', windowMs = '1000', adminUrl = 'postgres://postgres@127.0.0.1:5432/test'] = process.argv.slice(2);
const database = `twofold_deadline_precision_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const storeUrl = new URL(adminUrl);
storeUrl.pathname = `/${database}`;
const bin = fileURLToPath(new URL('../apps/shop/dist/bin/twofold.js', import.meta.url));
const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--store', storeUrl.href], {
  env: { ...process.env, TWOFOLD_SEED: '0', LOG_LEVEL: 'warn', TWOFOLD_PAYMENT_WINDOW_MS: windowMs },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((resolve) => {
  let output = '';
  server.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /serving on (http:\/\/\S+)/.exec(output);
    if (match) resolve(match[1]);
  });
});
const post = (path, body) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
// the projector (and with it the process manager) starts beside the server: let it settle before the load
await new Promise((resolve) => setTimeout(resolve, 3_000));
await post('/api/products', { sku: 'PRECISION', name: 'p', description: 'p', category: 'c', priceCents: 100, currency: 'EUR', merchantId: 'm', stock: 10_000_000 });

let sent = 0;
let failed = 0;
const inFlight = new Set();
const started = Date.now();
for (let i = 0; Date.now() - started < Number(seconds) * 1000; i++) {
  const orderId = `precision-${i}`;
  const work = (async () => {
    const placed = await post('/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'PRECISION', quantity: 1 }] });
    if (placed.status !== 202) failed++;
    if (i % 2 === 0) await post(`/api/orders/${orderId}/pay`, { amountCents: 100, paymentRef: `p-${i}` });
  })().catch(() => failed++);
  inFlight.add(work);
  work.finally(() => inFlight.delete(work));
  sent++;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + ((i + 1) * 1000) / Number(rate) - Date.now())));
}
await Promise.all(inFlight);
const client = new pg.Client({ connectionString: storeUrl.href });
await client.connect();
for (let waited = 0; waited < 30_000; waited += 250) {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM twofold_deadlines WHERE status = 'pending'`);
  if (rows[0].n === 0 && Date.now() - started > Number(seconds) * 1000 + Number(windowMs) + 500) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const { rows } = await client.query(`
  SELECT status, count(*)::int AS n,
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - due_at) * 1000)::numeric, 1) AS p50_ms,
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - due_at) * 1000)::numeric, 1) AS p99_ms,
    round(max(extract(epoch FROM finished_at - due_at) * 1000)::numeric, 1) AS max_ms,
    -- the process manager's lag: how long after placing the order its deadline row was written
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - (due_at - $1 * interval '1 millisecond')) * 1000)::numeric, 1) AS p99_scheduled_after_ms
  FROM twofold_deadlines GROUP BY status ORDER BY status`, [Number(windowMs)]);
console.log(JSON.stringify({ ordersPerSecond: Number(rate), seconds: Number(seconds), windowMs: Number(windowMs), ordersSent: sent, failed, deadlines: rows }, null, 1));
await client.end();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await admin.query(`DROP DATABASE ${database}`);
await admin.end();
