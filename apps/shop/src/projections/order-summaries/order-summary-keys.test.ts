// The answer cache trusts keysChangedBy: every row a batch changes must be named by one of its events (or the batch
// says it may change any). Random order lives and forgotten customers, cut into random batches, on PGlite.
import { PGlite } from '@electric-sql/pglite';
import type { StoredEvent } from '@twofold/core';
import { storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerStream } from '../../domain/customer.js';
import { orderStream, type OrderEvent } from '../../domain/order.js';
import { orderSummaries, orderSummariesInEventStoreDatabase } from '../customer-redactions/customer-redactions.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const orders = ['o-0', 'o-1', 'o-2', 'o-3'];
const customers = ['c-0', 'c-1'];
const at = '2025-03-01T10:00:00.000Z';
const line = { sku: 'MUG-1', name: 'Mug', quantity: 1, unitPriceCents: 1_000, merchantId: 'm-1' };

const orderEvent = (orderId: string, customerId: string, kind: OrderEvent['type']): GivenEvent => {
  const data: Record<OrderEvent['type'], Record<string, unknown>> = {
    OrderPlaced: { orderId, customerId, currency: 'EUR', lines: [line], totalCents: 1_000, customer: { name: 'Ada', email: 'ada@example.com' }, shippingAddress: null, placedAt: at },
    OrderPaid: { orderId, amountCents: 1_000, currency: 'EUR', paymentRef: `pay-${orderId}`, paidAt: at },
    OrderShipped: { orderId, carrier: 'DHL', trackingNumber: `T-${orderId}`, shippedAt: at },
    OrderDelivered: { orderId, deliveredAt: at },
    OrderCancelled: { orderId, reason: 'changed my mind', refundCents: 0, currency: 'EUR', lines: [line], cancelledAt: at },
  } as Record<OrderEvent['type'], Record<string, unknown>>;
  return { type: kind, data: data[kind], streamId: orderStream(orderId) } as GivenEvent;
};

const anEvent = fc.oneof(
  fc
    .record({
      orderId: fc.constantFrom(...orders),
      customerId: fc.constantFrom(...customers),
      kind: fc.constantFrom<OrderEvent['type']>('OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled'),
    })
    .map(({ orderId, customerId, kind }) => orderEvent(orderId, customerId, kind)),
  fc.constantFrom(...customers).map((customerId): GivenEvent => ({ type: 'CustomerForgotten', data: { customerId, forgottenAt: at }, streamId: customerStream(customerId) })),
);

const rows = async (): Promise<Map<string, string>> => {
  const { rows: found } = await db.query<{ order_id: string; row: string }>(`SELECT order_id, to_jsonb(s)::text AS row FROM order_summaries s`);
  return new Map(found.map((row) => [row.order_id, row.row]));
};

/** What the daemon reports for a batch: the keys its events name, or all where one names none. */
const named = (events: readonly StoredEvent[]): Set<string> | 'all' => {
  const keys = new Set<string>();
  for (const event of events) {
    const some = orderSummaries.keysChangedBy!(event);
    if (some === undefined) return 'all';
    for (const key of some) keys.add(key);
  }
  return keys;
};

describe('orderSummaries names the answers a batch changes', () => {
  it('every row a batch changes is its events’ key, or the batch says any may change', async () => {
    let narrowed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anEvent, { minLength: 1, maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 30, maxLength: 30 }), async (given, sizes) => {
        await db.query('DROP TABLE IF EXISTS order_summaries');
        await orderSummaries.setup!(db);
        const events = storedEvents(given);
        let from = 0;
        for (const size of sizes) {
          if (from >= events.length) break;
          const batch = events.slice(from, from + size);
          from += size;
          const before = await rows();
          await db.transaction(async (session) => orderSummaries.apply(batch.filter((event) => orderSummaries.handles.includes(event.type)), session));
          const after = await rows();
          const changed = [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key));
          const keys = named(batch);
          if (keys === 'all') continue;
          narrowed++;
          expect(changed.filter((key) => !keys.has(key))).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
    // the property was about named keys, not only about batches that say "all"
    expect(narrowed).toBeGreaterThan(0);
  }, 120_000);

  it('the variant that reads the log in the database names the same keys, from the stream (its events carry no data)', () => {
    fc.assert(
      fc.property(fc.array(anEvent, { minLength: 1, maxLength: 20 }), (given) => {
        for (const event of storedEvents(given)) {
          const withoutData = { ...event, data: {} };
          expect(orderSummariesInEventStoreDatabase.keysChangedBy!(withoutData)).toEqual(orderSummaries.keysChangedBy!(event));
        }
      }),
    );
  });
});
