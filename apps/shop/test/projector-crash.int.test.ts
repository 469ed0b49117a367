// Crash safety: a projector killed with SIGKILL at random moments, and restarted each time, ends with
// read models identical to ones built from scratch by an undisturbed daemon.
import { createProjectionDaemon, type EventStore } from '@twofold/core';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, productStream } from '../src/domain/index.js';
import { shopProjections } from '../src/shop-server.js';
import { spawnShop } from './spawn-shop.js';

const products = 50;
const orders = 5_800;

/** About 20,000 events of a plausible shop history, appended as the domain would (order and stock streams together). */
async function writeHistory(store: EventStore): Promise<number> {
  let count = 0;
  const meta = { correlationId: 'seed' };
  for (let p = 0; p < products; p++) {
    const sku = `CR-${p}`;
    await store.appendToStream(
      productStream(sku),
      [{ type: 'ProductAdded', data: { sku, name: `Crash ${p}`, description: 'seeded', category: `cat-${p % 5}`, priceCents: 100 + p, currency: 'EUR', merchantId: `m-${p % 3}`, stock: 1_000_000 }, metadata: meta }],
      { expectedVersion: 'no_stream' },
    );
    count++;
  }
  const lanes = 8;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < orders; i += lanes) {
        const orderId = `crash-${i}`;
        const sku = `CR-${i % products}`;
        const quantity = 1 + (i % 3);
        const unitPriceCents = 100 + (i % products);
        const totalCents = quantity * unitPriceCents;
        const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
        const line = { sku, name: `Crash ${i % products}`, quantity, unitPriceCents, merchantId: `m-${(i % products) % 3}` };
        await store.appendToStreams([
          { streamId: orderStream(orderId), expectedVersion: 'no_stream', events: [{ type: 'OrderPlaced', data: { orderId, customerId: `c-${i % 97}`, currency: 'EUR', lines: [line], totalCents, placedAt: at }, metadata: meta }] },
          { streamId: productStream(sku), expectedVersion: 'any', events: [{ type: 'StockReserved', data: { sku, orderId, quantity }, metadata: meta }] },
        ]);
        count += 2;
        const later: { type: string; data: unknown }[] = [];
        if (i % 10 < 6) later.push({ type: 'OrderPaid', data: { orderId, amountCents: totalCents, currency: 'EUR', paymentRef: `p-${i}`, paidAt: at } });
        if (i % 10 < 3) later.push({ type: 'OrderShipped', data: { orderId, carrier: 'dhl', trackingNumber: `t-${i}`, shippedAt: at } });
        if (i % 10 < 2) later.push({ type: 'OrderDelivered', data: { orderId, deliveredAt: at } });
        if (later.length > 0) {
          await store.appendToStream(orderStream(orderId), later.map((e) => ({ ...e, metadata: meta })), { expectedVersion: 1 });
          count += later.length;
        }
        if (i % 10 >= 8) {
          await store.appendToStreams([
            { streamId: orderStream(orderId), expectedVersion: 1, events: [{ type: 'OrderCancelled', data: { orderId, reason: 'seed', refundCents: 0, currency: 'EUR', lines: [line], cancelledAt: at }, metadata: meta }] },
            { streamId: productStream(sku), expectedVersion: 'any', events: [{ type: 'StockReleased', data: { sku, orderId, quantity }, metadata: meta }] },
          ]);
          count += 2;
        }
      }
    }),
  );
  return count;
}

const dump = async (client: PostgresClient): Promise<{ orders: unknown[]; products: unknown[] }> => ({
  orders: (await client.query('SELECT * FROM order_summaries ORDER BY order_id')).rows,
  products: (await client.query('SELECT sku, name, description, category, price_cents, currency, merchant_id, stock_on_hand, reserved, available, updated_at, last_position FROM product_catalog ORDER BY sku')).rows,
});

describe('projector crash safety on PostgreSQL', () => {
  const databases: TestDatabase[] = [];
  const clients: PostgresClient[] = [];
  let events: TestDatabase;
  let eventStore: EventStore;
  let total: number;
  beforeAll(async () => {
    events = await createTestDatabase();
    databases.push(events);
    const writeClient = await openSqlClient(events.url);
    clients.push(writeClient);
    await migrate(writeClient);
    eventStore = postgresEventStore(writeClient);
    total = await writeHistory(eventStore);
  });
  afterAll(async () => {
    await eventStore?.close();
    for (const client of clients) await client.close();
    for (const database of databases) await database.drop();
  });

  it('ends identical to a rebuild from scratch after repeated SIGKILLs', { timeout: 300_000 }, async () => {
    expect(total).toBeGreaterThanOrEqual(20_000);
    // the last event in log order, read from the table: head() answers the visible head, which an open transaction
    // anywhere on the server (another database's, on a shared one) can hold below it, and never reached would fail
    const last = (await clients[0]!.query<{ xid: string; position: string }>(
      'SELECT transaction_id::text AS xid, global_position::text AS position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    )).rows[0]!;
    const head = { transactionId: Number(last.xid), position: Number(last.position) };

    const crashed = await createTestDatabase();
    databases.push(crashed);
    const crashedClient = await openSqlClient(crashed.url);
    clients.push(crashedClient);
    const reachedHead = async (): Promise<boolean> => {
      const { rows } = await crashedClient.query<{ n: string }>(
        'SELECT count(*) AS n FROM twofold_checkpoints WHERE transaction_id = $1 AND position = $2',
        [head.transactionId, head.position],
      ).catch(() => ({ rows: [{ n: '0' }] }));
      return Number(rows[0]!.n) === shopProjections.length;
    };

    let kills = 0;
    let restarts = 0;
    const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));
    while (!(await reachedHead())) {
      expect(restarts, 'the projector never caught up').toBeLessThan(60);
      const projector = await spawnShop(['--store', events.url, '--read-store', crashed.url, '--role', 'projector'], {
        LOG_LEVEL: 'warn',
        TWOFOLD_PROJECTION_BATCH_SIZE: String(random(20, 400)),
      });
      restarts++;
      await new Promise((r) => setTimeout(r, random(20, 900)));
      const done = await reachedHead();
      await projector.kill('SIGKILL');
      if (!done) kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(3);

    const reference = await createTestDatabase();
    databases.push(reference);
    const referenceClient = await openSqlClient(reference.url);
    clients.push(referenceClient);
    await migrate(referenceClient);
    const projectionStore = postgresProjectionStore(referenceClient);
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: shopProjections, batchSize: 1_000 });
    daemon.start();
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const checkpoints = await projectionStore.readCheckpoints();
        if (checkpoints.length === shopProjections.length && checkpoints.every((c) => c.cursor.position === head.position)) break;
        if (Date.now() > deadline) throw new Error('the reference rebuild did not finish');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await daemon.stop();
      await projectionStore.close();
    }

    const [after, expected] = await Promise.all([dump(crashedClient), dump(referenceClient)]);
    expect(after.orders).toHaveLength(orders);
    expect(after.products).toHaveLength(products);
    expect(after).toEqual(expected);
  });
});
