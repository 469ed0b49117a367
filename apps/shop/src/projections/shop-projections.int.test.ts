import { createProjectionDaemon, type ProjectionDaemon } from '@twofold/core';
import { processorFor } from '../domain/processor-for.fixture.js';
import { createPgliteClient, migrate, postgresEventStore, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelOrder } from '../domain/cancel-order.js';
import { payOrder } from '../domain/pay-order.js';
import { placeOrder } from '../domain/place-order.js';
import { addProduct } from '../domain/product-commands.js';
import { getOrderSummary, listOrderSummaries } from './order-summaries/order-summary-queries.js';
import { orderSummaries } from './order-summaries/order-summaries.js';
import { getProduct, searchProducts } from './product-catalog/product-catalog-queries.js';
import { productCatalog } from './product-catalog/product-catalog.js';

const metadata = () => ({ now: new Date('2025-03-01T12:00:00.000Z'), correlationId: 'c-1' });

let client: PostgresClient;
let daemon: ProjectionDaemon;
beforeAll(async () => {
  client = await createPgliteClient();
  await migrate(client);
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
  await client?.close();
});

describe('shop projections over the PostgreSQL stores on PGlite', () => {
  it('reflect every event the commands wrote, exactly once, across batches', async () => {
    const events = postgresEventStore(client);
    daemon = createProjectionDaemon({
      eventStore: events,
      projectionStore: postgresProjectionStore(client),
      projections: [orderSummaries, productCatalog],
      batchSize: 7,
      pollIntervalMs: 20,
    });
    for (const sku of ['MUG-1', 'TEA-1']) {
      await addProduct(processorFor(events), { sku, name: `Blue ${sku}`, description: 'nice', category: 'kitchen', priceCents: 500, currency: 'EUR', merchantId: 'm-1', stock: 10 }, metadata());
    }
    daemon.start();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        placeOrder(processorFor(events), { orderId: `o-${i}`, customerId: `c-${i % 3}`, currency: 'EUR', lines: [{ sku: 'MUG-1', quantity: 1 }, { sku: 'TEA-1', quantity: 1 }] }, metadata()),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const placed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`o-${i}`] : []));
    await cancelOrder(processorFor(events), placed[0]!, 'test', metadata());
    await payOrder(processorFor(events), { orderId: placed[1]!, amountCents: 1000, paymentRef: 'p-1' }, metadata());
    const head = (await events.head())!.cursor;
    await expect.poll(() => daemon.statuses().every((s) => s.cursor?.position === head.position), { timeout: 10_000 }).toBe(true);

    expect(await getProduct(client, 'MUG-1')).toMatchObject({ stockOnHand: 10, reserved: 9, available: 1 });
    expect((await searchProducts(client, { q: 'blue', inStock: true })).items.map((p) => p.sku)).toEqual(['MUG-1', 'TEA-1']);
    expect(await getOrderSummary(client, placed[0]!)).toMatchObject({ status: 'cancelled', totalCents: 1000 });
    expect(await getOrderSummary(client, placed[1]!)).toMatchObject({ status: 'paid', paymentRef: 'p-1' });
    expect((await listOrderSummaries(client, { limit: 200 })).items).toHaveLength(10);
  });
});
