// PostgreSQL unreachable for seconds (cut through a TCP proxy, so the shared server is never touched): commands answer
// 503 with Retry-After and none hangs past the request timeout, /health/ready answers 503, orders by id keep being
// answered from Redis; when the database returns everything recovers by itself (no restart), and how long that takes
// is measured. Twice: the server crashed (connections reset, new ones refused) and a silent partition (nothing passes).
import { randomBytes } from 'node:crypto';
import { createRedisClient, type Redis } from '@twofold/redis';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startShop, type Shop } from '../../src/shop-server.js';
import { product, request, type Reply } from '../shop-fixture.js';
import { startTcpProxy, throughProxy, type TcpProxy } from './tcp-proxy.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const outageMs = 12_000;
/** The bound on any answer during the outage: below the outage, so waiting for the database counts as a hang. */
const requestTimeoutMs = 10_000;
const recoveryBoundMs = 5_000;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let database: TestDatabase;
let proxy: TcpProxy;
let shop: Shop;
let redis: Redis;
const keyPrefix = `outage-${randomBytes(4).toString('hex')}:`;
beforeAll(async () => {
  database = await createTestDatabase();
  redis = createRedisClient(redisUrl);
  proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(database.url).port || 5432) });
  // statements bounded at 2 s, so one unanswered for 3 s means the link is lost; with the 3 s look-up of a lost
  // append's outcome, every command is answered well within the request timeout
  shop = await startShop({
    store: throughProxy(database.url, proxy),
    kv: redisUrl,
    kvKeyPrefix: keyPrefix,
    port: 0,
    requestTimeoutMs,
    timeouts: { statementMs: 2_000, connectMs: 1_000 },
    daemon: { pollIntervalMs: 50 },
  });
  expect((await request(shop.url, 'POST', '/api/products', product('OUT-1', 1_000_000))).status).toBe(202);
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

interface Timed {
  readonly reply: Reply | undefined;
  readonly error: string | undefined;
  readonly ms: number;
}

/** One request, bounded by twice the request timeout (an answer that late is a hang, reported as such). */
async function timed(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Timed> {
  const started = Date.now();
  try {
    const reply = await Promise.race([
      request(shop.url, method, path, body, headers),
      pause(2 * requestTimeoutMs).then(() => {
        throw new Error('no answer');
      }),
    ]);
    return { reply, error: undefined, ms: Date.now() - started };
  } catch (error) {
    return { reply: undefined, error: error instanceof Error ? error.message : String(error), ms: Date.now() - started };
  }
}

// with an Idempotency-Key, as a client that retries should send: every 503 may then be retried
const place = (orderId: string) => timed('POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'OUT-1', quantity: 1 }] }, { 'idempotency-key': orderId });
const describeAnswer = (t: Timed) => (t.reply === undefined ? `no answer (${t.error})` : `${t.reply.status}${t.reply.body?.error?.code === undefined ? '' : ` ${t.reply.body.error.code}`}`);
const tally = (answers: readonly Timed[]) => answers.reduce<Record<string, number>>((counts, t) => ({ ...counts, [describeAnswer(t)]: (counts[describeAnswer(t)] ?? 0) + 1 }), {});

it.each(['reset', 'silent'] as const)(`PostgreSQL unreachable (%s) for ${outageMs / 1000} s: 503 + Retry-After, not ready, orders from Redis; recovers by itself`, async (mode) => {
  // orders placed before the outage, readable from Redis
  const before: { orderId: string; position: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const placed = await place(`${mode}-before-${i}`);
    expect(placed.reply?.status).toBe(202);
    before.push({ orderId: `${mode}-before-${i}`, position: placed.reply!.body.position as number });
  }
  for (const { orderId, position } of before) {
    const read = await request(shop.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': String(position) });
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency')).toBe('caught-up');
  }
  expect((await timed('GET', '/health/ready')).reply?.status).toBe(200);

  proxy.sever(mode);
  const cutAt = Date.now();
  const commands: Timed[] = [];
  const readiness: Timed[] = [];
  const reads: Timed[] = [];
  let n = 0;
  // commands, readiness and reads side by side, every 250 ms, until the outage ends; the first second is not judged
  // for readiness (a check already under way when the link went may still succeed)
  const probes: Promise<void>[] = [];
  while (Date.now() - cutAt < outageMs) {
    const sinceCut = Date.now() - cutAt;
    const orderId = before[n % before.length]!.orderId;
    probes.push(
      place(`${mode}-during-${n}`).then((t) => void commands.push(t)),
      timed('GET', '/health/ready').then((t) => void (sinceCut > 1_000 && readiness.push(t))),
      timed('GET', `/api/orders/${orderId}`).then((t) => void reads.push(t)),
    );
    n++;
    await pause(250);
  }
  await Promise.all(probes);
  proxy.heal();
  const backAt = Date.now();

  // recovery: the first command accepted, readiness back, and a new order projected into Redis, without a restart
  let commandBackMs: number | undefined;
  let readyBackMs: number | undefined;
  let after: number | undefined;
  while (Date.now() - backAt < 3 * recoveryBoundMs && (commandBackMs === undefined || readyBackMs === undefined)) {
    const [command, ready] = await Promise.all([commandBackMs === undefined ? place(`${mode}-after`) : undefined, readyBackMs === undefined ? timed('GET', '/health/ready') : undefined]);
    if (command?.reply?.status === 202) {
      commandBackMs = Date.now() - backAt;
      after = command.reply.body.position as number;
    }
    if (ready?.reply?.status === 200) readyBackMs = Date.now() - backAt;
    if (commandBackMs === undefined || readyBackMs === undefined) await pause(100);
  }
  const projected = after === undefined ? undefined : await request(shop.url, 'GET', `/api/orders/${mode}-after`, undefined, { 'X-Min-Position': String(after), 'X-Wait-Ms': String(recoveryBoundMs) });
  const projectedBackMs = Date.now() - backAt;

  const slowest = (answers: readonly Timed[]) => Math.max(0, ...answers.map((t) => t.ms));
  console.info(
    `PostgreSQL outage (${mode}) for ${backAt - cutAt} ms: commands ${JSON.stringify(tally(commands))} (slowest ${slowest(commands)} ms), ` +
      `readiness ${JSON.stringify(tally(readiness))} (slowest ${slowest(readiness)} ms), orders by id from Redis ${JSON.stringify(tally(reads))} (slowest ${slowest(reads)} ms); ` +
      `after the link returned: first 202 at ${commandBackMs} ms, ready at ${readyBackMs} ms, a new order read from Redis at ${projectedBackMs} ms`,
  );

  // commands: 503 with Retry-After, never a hang, never a 500. outcome_unknown: an append written into the silent link
  // before it was known dead; its Idempotency-Key makes the retry safe
  expect(commands.filter((t) => t.reply === undefined || t.ms > requestTimeoutMs).map(describeAnswer)).toEqual([]);
  expect(commands.map(describeAnswer).filter((a) => a !== '503 store_unavailable' && a !== '503 outcome_unknown')).toEqual([]);
  expect(commands.filter((t) => t.reply!.headers.get('retry-after') === null).map(describeAnswer)).toEqual([]);
  expect(commands.filter((t) => describeAnswer(t) === '503 store_unavailable').length).toBeGreaterThan(commands.length / 2);
  // readiness: 503 throughout
  expect(readiness.map(describeAnswer).filter((a) => a !== '503 store_unavailable')).toEqual([]);
  expect(slowest(readiness)).toBeLessThan(requestTimeoutMs);
  // orders by id: answered from Redis throughout
  expect(reads.map(describeAnswer).filter((a) => a !== '200')).toEqual([]);
  expect(slowest(reads)).toBeLessThan(1_000);
  // recovery within 5 s, no restart
  expect(commandBackMs).toBeDefined();
  expect(commandBackMs!).toBeLessThan(recoveryBoundMs);
  expect(readyBackMs).toBeDefined();
  expect(readyBackMs!).toBeLessThan(recoveryBoundMs);
  expect(projected?.status).toBe(200);
  expect(projected?.headers.get('x-consistency')).toBe('caught-up');
  expect(projectedBackMs).toBeLessThan(recoveryBoundMs);
}, 90_000);
