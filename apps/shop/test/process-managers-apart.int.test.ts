// On a server the process managers commit in transactions of their own, beside the read models' on another
// connection, and gather over a wider window: the read models' transaction carries none of their statements. On
// PGlite (one connection, every transaction in turn) they share the read models' transaction.
import type { AppliedBatch } from '@twofold/core';
import { openSqlClient, type PostgresClient } from '@twofold/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('process managers apart from the read models on PostgreSQL', () => {
  let running: RunningShop;
  let client: PostgresClient;
  const batches: AppliedBatch[] = [];
  beforeAll(async () => {
    running = await backends.find((backend) => backend.name === 'postgres')!.start({ daemon: { pollIntervalMs: 50, minBatchIntervalMs: 10 } });
    client = await openSqlClient(running.store);
    running.shop.daemon!.onProgress((batch) => batches.push(batch));
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await running?.stop();
  });

  /** The transaction that last moved each checkpoint (its row's xmin). */
  const lastMovedBy = async (): Promise<Map<string, string>> =>
    new Map((await client.query<{ name: string; xmin: string }>(`SELECT name, xmin::text AS xmin FROM twofold_checkpoints`)).rows.map((row) => [row.name, row.xmin]));

  it('commit the orders’ events in other transactions than the read models, at most two batches per 50 ms', async () => {
    expect((await request(running.url, 'POST', '/api/products', product('PMA-1', 10_000))).status).toBe(202);
    // about 100 orders a second for a second, open loop (on schedule however slowly the shop answers)
    const started = Date.now();
    const placing: Promise<number>[] = [];
    for (let i = 0; i < 100; i++) {
      await sleep(started + i * 10 - Date.now());
      placing.push(
        request(running.url, 'POST', '/api/orders', { orderId: `pma-${i}`, customerId: `c-${i % 5}`, currency: 'EUR', lines: [{ sku: 'PMA-1', quantity: 1 }] }).then((placed) => {
          expect(placed.status, JSON.stringify(placed.body)).toBe(202);
          return Number(placed.headers.get('x-position'));
        }),
      );
    }
    const last = Math.max(...(await Promise.all(placing)));
    const reached = (name: string) => batches.some((batch) => batch.name === name && batch.live && batch.cursor.position >= last);
    const deadline = Date.now() + 10_000;
    while (!(reached('orderSummaries') && reached('paymentTimeouts')) && Date.now() < deadline) await sleep(20);
    expect(reached('orderSummaries') && reached('paymentTimeouts')).toBe(true);

    // every order scheduled its payment deadline, and the last ones were committed apart from the read models
    expect(Number((await client.query<{ count: string }>(`SELECT count(*) FROM twofold_deadlines WHERE process = 'paymentTimeouts'`)).rows[0]!.count)).toBeGreaterThan(0);
    const movedBy = await lastMovedBy();
    expect(movedBy.get('paymentTimeouts')).not.toBe(movedBy.get('orderSummaries'));

    // the process manager gathers over 50 ms windows: in each, at most the batch at its start and one woken by an
    // append after that one found nothing (at 10 ms windows, as the read models, it would take several times as many)
    const elapsedMs = Date.now() - started;
    const taken = batches.filter((batch) => batch.name === 'paymentTimeouts' && batch.live && batch.applied.length > 0).length;
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThanOrEqual(2 * Math.ceil(elapsedMs / 50) + 2);
  }, 30_000);
});
