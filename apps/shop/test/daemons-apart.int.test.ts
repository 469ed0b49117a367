// On a server the projector keeps three daemons, each committing in transactions of its own on its own connection:
// orderSummaries (read right after a write) over narrow windows, the other read models over 50 ms, and the process
// managers over 50 ms. On PGlite (one connection, every transaction in turn) one daemon keeps them all.
import type { AppliedBatch } from '@twofold/core';
import { openSqlClient, type PostgresClient } from '@twofold/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the projector’s daemons on PostgreSQL', () => {
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

  it('commit orderSummaries, the other read models and the process managers apart, the last two at most twice per 50 ms', async () => {
    expect((await request(running.url, 'POST', '/api/products', product('PMA-1', 10_000))).status).toBe(202);
    // while orders flow, which transaction last moved each checkpoint, sampled every few ms
    const before = await lastMovedBy();
    const samples: Map<string, string>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await lastMovedBy());
        await sleep(5);
      }
    })();
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
    const watched = ['orderSummaries', 'orderSearch', 'customerOrders', 'paymentTimeouts'];
    while (!watched.every(reached) && Date.now() < deadline) await sleep(20);
    expect(watched.filter((name) => !reached(name))).toEqual([]);

    // every order scheduled its payment deadline, and the last batches of each daemon were committed apart
    expect(Number((await client.query<{ count: string }>(`SELECT count(*) FROM twofold_deadlines WHERE process = 'paymentTimeouts'`)).rows[0]!.count)).toBeGreaterThan(0);
    sampling = false;
    await sampler;
    samples.push(await lastMovedBy());
    // once orders flowed, no transaction moved checkpoints of two daemons; the other read models moved together (one
    // daemon, one transaction a batch) in some samples at least
    const moved = (sample: Map<string, string>, name: string) => sample.get(name) !== before.get(name);
    const sharing = (a: string, b: string) => samples.filter((sample) => moved(sample, a) && moved(sample, b) && sample.get(a) === sample.get(b)).length;
    expect(samples.length).toBeGreaterThan(20);
    expect(sharing('orderSummaries', 'orderSearch')).toBe(0);
    expect(sharing('orderSummaries', 'customerOrders')).toBe(0);
    expect(sharing('orderSummaries', 'paymentTimeouts')).toBe(0);
    expect(sharing('orderSearch', 'paymentTimeouts')).toBe(0);
    expect(sharing('orderSearch', 'customerOrders')).toBeGreaterThan(0);

    // the other read models and the process manager gather over 50 ms windows: in each, at most the batch at its
    // start and one woken by an append after that one found nothing (at 10 ms, as orderSummaries, several times as many)
    const elapsedMs = Date.now() - started;
    for (const name of ['orderSearch', 'paymentTimeouts']) {
      const taken = batches.filter((batch) => batch.name === name && batch.live && batch.applied.length > 0).length;
      expect(taken, name).toBeGreaterThan(0);
      expect(taken, name).toBeLessThanOrEqual(2 * Math.ceil(elapsedMs / 50) + 2);
    }
  }, 30_000);
});
