// The write-side audit against a real log: it passes a consistent cell and names every kind of violation.
import { createPgClient, migrate } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing/database';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOrders, productHeads } from './order-audit.js';

describe('auditOrders', () => {
  let database: TestDatabase;
  let sql: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase(undefined, { label: 'bench_audit' });
    const client = createPgClient(database.url);
    await migrate(client);
    await client.close();
    sql = new pg.Pool({ connectionString: database.url, max: 1 });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  const append = (streamId: string, version: number, type: string, data: object): Promise<unknown> =>
    sql.query("INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, $2, gen_random_uuid(), $3, $4, '{}')", [
      streamId,
      version,
      type,
      JSON.stringify(data),
    ]);
  const placed = (orderId: string, sku: string, version: number): Promise<unknown> =>
    Promise.all([append(`order-${orderId}`, 1, 'OrderPlaced', { orderId }), append(`product-${sku}`, version, 'StockReserved', { sku, orderId, quantity: 1 })]);

  it('finds nothing wrong when every accepted order is in the log with its reservation', async () => {
    await append('product-ok', 1, 'ProductAdded', { sku: 'ok', stock: 5 });
    const heads = await productHeads(sql, ['ok']);
    expect(heads.get('ok')).toBe(1);
    await placed('a-0', 'ok', 2);
    await placed('a-1', 'ok', 3);
    const audit = await auditOrders(sql, { orderIdPrefix: 'a', attempts: 3, accepted: new Set([0, 1]), unanswered: new Set() }, heads);
    expect(audit).toEqual({ placed: 2, reservations: 2, oversold: [], violations: [] });
  });

  it('reports a lost order, a refused order that was written, and an oversold product', async () => {
    await append('product-few', 1, 'ProductAdded', { sku: 'few', stock: 1 });
    const heads = await productHeads(sql, ['few']);
    await placed('b-1', 'few', 2);
    await placed('b-2', 'few', 3);
    // b-0 answered 202 but never written; b-2 answered 409 but written; 2 reserved of 1
    const audit = await auditOrders(sql, { orderIdPrefix: 'b', attempts: 3, accepted: new Set([0, 1]), unanswered: new Set() }, heads);
    expect(audit.oversold).toEqual([{ streamId: 'product-few', stockOnHand: 1, reserved: 2 }]);
    expect(audit.violations).toEqual([
      '1 orders answered 202 but no OrderPlaced in the log (b-0)',
      '1 orders refused but written (b-2)',
      'product-few oversold: 2 reserved of 1 on hand',
    ]);
  });

  it('accepts either outcome for a request that got no answer', async () => {
    await append('product-lost', 1, 'ProductAdded', { sku: 'lost', stock: 5 });
    const heads = await productHeads(sql, ['lost']);
    await placed('c-0', 'lost', 2);
    const audit = await auditOrders(sql, { orderIdPrefix: 'c', attempts: 2, accepted: new Set(), unanswered: new Set([0, 1]) }, heads);
    expect(audit.violations).toEqual([]);
  });
});
