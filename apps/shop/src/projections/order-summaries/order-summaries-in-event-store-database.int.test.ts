// orderSummariesInEventStoreDatabase reads events from the log by position; for any history and any batching it must build
// exactly the rows orderSummaries builds from the events it is given.
import { cursorOf, logStart, type StoredEvent } from '@twofold/core';
import { migrate, openSqlClient, postgresEventStore, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, type OrderEvent } from '../../domain/order.js';
import { orderSummariesInEventStoreDatabase } from './order-summaries-in-event-store-database.js';
import { orderSummaries } from './order-summaries.js';

type Step = { readonly order: number; readonly kind: OrderEvent['type']; readonly variant: number };

const at = (day: number): string => new Date(Date.UTC(2025, 2, 1 + day, 10, 0, 0, 123)).toISOString();

function eventOf({ order, kind, variant }: Step, prefix: string): OrderEvent {
  const orderId = `${prefix}-${order}`;
  switch (kind) {
    case 'OrderPlaced':
      return {
        type: 'OrderPlaced',
        data: {
          orderId,
          customerId: `c-${variant % 3}`,
          currency: 'EUR',
          lines: Array.from({ length: 1 + (variant % 3) }, (_, i) => ({ sku: `SKU-${i}`, name: `Thing ${i}`, quantity: 1 + i, unitPriceCents: 100 * (i + 1), merchantId: `m-${i}` })),
          totalCents: 100 + variant,
          ...(variant % 2 === 0 ? { customer: { name: 'Ada', email: 'ada@example.com' } } : {}),
          ...(variant % 3 === 0 ? { shippingAddress: { line1: `${variant} Main St`, city: 'Berlin', postalCode: '10115', country: 'DE' } } : {}),
          placedAt: at(variant % 5),
        },
      };
    case 'OrderPaid':
      return { type: 'OrderPaid', data: { orderId, amountCents: 100, currency: 'EUR', paymentRef: `pay-${variant}`, paidAt: at(1) } };
    case 'OrderShipped':
      return { type: 'OrderShipped', data: { orderId, carrier: variant % 2 === 0 ? 'DHL' : 'UPS', trackingNumber: `T-${variant}`, shippedAt: at(2) } };
    case 'OrderDelivered':
      return { type: 'OrderDelivered', data: { orderId, deliveredAt: at(3) } };
    case 'OrderCancelled':
      return { type: 'OrderCancelled', data: { orderId, reason: `reason ${variant}`, refundCents: variant, currency: 'EUR', lines: [], cancelledAt: at(4) } };
  }
}

const kinds: OrderEvent['type'][] = ['OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled'];
// any interleaving of any events of a few orders: out-of-order, repeated and orphan events included
const step = (kind: fc.Arbitrary<OrderEvent['type']>) => fc.record({ order: fc.nat(5), kind, variant: fc.nat(20) });
// with at least one order placed somewhere in it, so every run compares a read model that has rows
const history = fc
  .tuple(fc.array(step(fc.constantFrom(...kinds)), { maxLength: 40 }), step(fc.constant('OrderPlaced')), fc.nat())
  .map(([steps, placed, at]) => [...steps.slice(0, at % (steps.length + 1)), placed, ...steps.slice(at % (steps.length + 1))]);
const batchSizes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 });

const backends = [
  { name: 'PostgreSQL', open: async () => {
    const database: TestDatabase = await createTestDatabase();
    return { client: await openSqlClient(database.url), drop: () => database.drop() };
  } },
  { name: 'PGlite', open: async () => ({ client: await openSqlClient('pglite:memory'), drop: async () => {} }) },
];

describe.each(backends)('orderSummariesInEventStoreDatabase on $name', (backend) => {
  let client: PostgresClient;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ client, drop } = await backend.open());
    await migrate(client);
    await orderSummaries.setup!(client);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await drop?.();
  });

  // as text, so times compare to the microsecond and JSON to the byte, not as the driver decodes them
  const rows = async (): Promise<string[]> =>
    (await client.query<{ row: string }>('SELECT row_to_json(s)::text AS row FROM order_summaries s ORDER BY order_id')).rows.map((r) => r.row);

  async function build(projection: typeof orderSummaries, events: readonly StoredEvent[], sizes: readonly number[]): Promise<string[]> {
    await client.query('TRUNCATE order_summaries');
    for (let from = 0, i = 0; from < events.length; i++) {
      const size = sizes[i % sizes.length]!;
      const batch = events.slice(from, from + size);
      await client.transaction((session) => projection.apply(batch, session));
      from += size;
    }
    return rows();
  }

  it('builds the same rows as orderSummaries, for any history and any batching', async () => {
    const eventStore = postgresEventStore(client);
    let run = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(history, batchSizes, async (steps, sizes) => {
        const prefix = `r${run++}`;
        const after = (await eventStore.head())?.cursor ?? logStart;
        for (const step of steps) await eventStore.appendToStream(orderStream(`${prefix}-${step.order}`), [eventOf(step, prefix)], { expectedVersion: 'any' });
        // an open transaction anywhere on the shared server hides committed events from log readers for a while:
        // wait until this run's events are all readable
        const deadline = Date.now() + 30_000;
        let full = await eventStore.readAll({ after, limit: 1_000 });
        while (full.length < steps.length && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          full = await eventStore.readAll({ after, limit: 1_000 });
        }
        // what the daemon hands the projection that reads the log itself: positions, types and streams, no data
        const markers = await eventStore.readAll({ after, limit: 1_000, types: [] });
        expect(markers.map(cursorOf)).toEqual(full.map(cursorOf));
        expect(markers.every((event) => JSON.stringify(event.data) === '{}')).toBe(true);
        const expected = await build(orderSummaries, full, sizes);
        const actual = await build(orderSummariesInEventStoreDatabase, markers, sizes);
        expect(actual).toEqual(expected);
        if (expected.length > 0) nonEmpty++;
      }),
      { numRuns: 40 },
    );
    // the property compared real read models, not empty tables
    expect(nonEmpty).toBe(40);
  }, 120_000);
});
