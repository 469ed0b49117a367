// Read-your-writes: a query sent with the token a command returned always sees that command's effect,
// also when another process serves the query and a third one runs the projections.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

async function placeAndRead(commandUrl: string, queryUrl: string, rounds: number, prefix: string): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const orderId = `${prefix}-${i}`;
    const placed = await request(commandUrl, 'POST', '/api/orders', {
      orderId,
      customerId: `c-${i % 7}`,
      currency: 'EUR',
      lines: [{ sku: `RYW-${i % 5}`, quantity: 1 }],
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    expect(placed.headers.get('x-position')).toBe(String(placed.body.position));
    const read = await request(queryUrl, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': placed.headers.get('x-position')! });
    expect(read.status, `order ${orderId} not visible with its token`).toBe(200);
    expect(read.headers.get('x-consistency')).toBe('caught-up');
    expect(Number(read.headers.get('x-projection-position'))).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(read.headers.get('x-as-of')!))).toBe(false);
    expect(read.body).toMatchObject({ orderId, status: 'placed' });
  }
}

describe('read-your-writes in one process on PGlite', () => {
  it('200 × (place an order, read it with its token) always sees it', async () => {
    const running = await backends[0]!.start({ daemon: { pollIntervalMs: 10_000 } });
    try {
      for (let s = 0; s < 5; s++) expect((await request(running.url, 'POST', '/api/products', product(`RYW-${s}`, 1_000))).status).toBe(202);
      await placeAndRead(running.url, running.url, 200, 'pglite');
    } finally {
      await running.stop();
    }
  });
});

describe('read-your-writes across processes on PostgreSQL', () => {
  let database: TestDatabase;
  const processes: ShopProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await database?.drop();
  });

  it('200 × (place via the command process, read via the query process) while a third process projects', async () => {
    // a long poll interval: only the wake-ups (LISTEN/NOTIFY) can make this fast enough
    const env = { LOG_LEVEL: 'warn', TWOFOLD_PROJECTION_POLL_MS: '60000' };
    const [commands, queries, projector] = await Promise.all([
      spawnShop(['--store', database.url, '--role', 'command'], env),
      spawnShop(['--store', database.url, '--role', 'query'], env),
      spawnShop(['--store', database.url, '--role', 'projector'], env),
    ]);
    processes.push(commands, queries, projector);
    expect((await request(commands.url, 'POST', '/api/orders/x/pay', {})).status).toBe(400);
    expect((await request(queries.url, 'POST', '/api/products', product('NOPE', 1))).status).toBe(404);
    for (let s = 0; s < 5; s++) expect((await request(commands.url, 'POST', '/api/products', product(`RYW-${s}`, 1_000))).status).toBe(202);
    await placeAndRead(commands.url, queries.url, 200, 'pg');
  });
});
