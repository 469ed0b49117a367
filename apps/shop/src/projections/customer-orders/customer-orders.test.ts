import { PGlite } from '@electric-sql/pglite';
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, type OrderEvent } from '../../domain/order.js';
import { getCustomerOrders } from './customer-order-queries.js';
import { customerOrders, customerOrdersProjection } from './customer-orders.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: customerOrders.tables! });
const spec = (projection: ProjectionDefinition<SqlSession> = customerOrders) => projectionSpecification({ projection, store: store() });

const dayMs = 86_400_000;
const on = (orderId: string, event: OrderEvent, recordedAt?: string): GivenEvent => ({
  ...event,
  streamId: orderStream(orderId),
  ...(recordedAt === undefined ? {} : { recordedAt: new Date(recordedAt) }),
});
const placed = (orderId: string, placedAt: string, customerId = 'c-1', recordedAt: string = placedAt): GivenEvent =>
  on(
    orderId,
    {
      type: 'OrderPlaced',
      data: { orderId, customerId, currency: 'EUR', totalCents: 1000, placedAt, lines: [{ sku: 'A', name: 'A', quantity: 1, unitPriceCents: 1000, merchantId: 'm-1' }] },
    },
    recordedAt,
  );
const paid = (orderId: string, recordedAt: string): GivenEvent =>
  on(orderId, { type: 'OrderPaid', data: { orderId, amountCents: 1000, currency: 'EUR', paymentRef: 'p', paidAt: recordedAt } }, recordedAt);
const delivered = (orderId: string, recordedAt: string): GivenEvent =>
  on(orderId, { type: 'OrderDelivered', data: { orderId, deliveredAt: recordedAt } }, recordedAt);

const orderIds = async (session: SqlSession, customerId = 'c-1') => (await getCustomerOrders(session, customerId)).orders.map((o) => o.orderId);

describe('customerOrders', () => {
  it('lists a customer’s orders newest first with their status', () =>
    spec()
      .givenEvents([
        placed('o-1', '2025-03-01T10:00:00.000Z'),
        placed('o-2', '2025-03-02T10:00:00.000Z'),
        placed('o-3', '2025-03-02T11:00:00.000Z', 'c-2'),
        paid('o-1', '2025-03-02T12:00:00.000Z'),
      ])
      .thenReadModel(async (session) => {
        expect(await getCustomerOrders(session, 'c-1')).toEqual({
          customerId: 'c-1',
          orders: [
            { orderId: 'o-2', status: 'placed', currency: 'EUR', totalCents: 1000, placedAt: new Date('2025-03-02T10:00:00.000Z'), updatedAt: new Date('2025-03-02T10:00:00.000Z') },
            { orderId: 'o-1', status: 'paid', currency: 'EUR', totalCents: 1000, placedAt: new Date('2025-03-01T10:00:00.000Z'), updatedAt: new Date('2025-03-02T12:00:00.000Z') },
          ],
        });
        expect(await orderIds(session, 'c-2')).toEqual(['o-3']);
        expect(await getCustomerOrders(session, 'c-404')).toEqual({ customerId: 'c-404', orders: [] });
        await expect(getCustomerOrders(session, 'c-1', { limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
      }));

  it('moves an order placed in the batch past the batch’s later events, also over a row the log is replayed onto', async () => {
    const open = await store()();
    await open.transaction((session) => customerOrders.setup!(session));
    const events = storedEvents([placed('o-1', '2025-03-01T10:00:00.000Z'), paid('o-1', '2025-03-01T11:00:00.000Z')]);
    // the row as a batch of the placement alone left it, then the log applied again from its start (a lost checkpoint)
    await open.transaction((session) => customerOrders.apply(events.slice(0, 1), session));
    await open.transaction((session) => customerOrders.apply(events, session));
    expect((await getCustomerOrders(db, 'c-1')).orders).toMatchObject([{ orderId: 'o-1', status: 'paid', updatedAt: new Date('2025-03-01T11:00:00.000Z') }]);
  });

  it('ends the same however the log is cut into batches and whatever batches are applied again', async () => {
    const statusEvents = [paid, delivered, (orderId: string, at: string): GivenEvent => on(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'r', refundCents: 0, currency: 'EUR', lines: [], cancelledAt: at } }, at)];
    // orders of random ages (some outside a 30-day window), each followed by up to three status events; the log
    // interleaves them in order of their recorded times
    const logOf = (orders: readonly { placedDay: number; statuses: readonly number[] }[]): GivenEvent[] => {
      const timed: { at: number; event: (at: string) => GivenEvent }[] = [];
      orders.forEach(({ placedDay, statuses }, i) => {
        const orderId = `o-${i}`;
        const placedAt = Date.UTC(2025, 0, 1) + placedDay * dayMs + i;
        timed.push({ at: placedAt, event: (at) => placed(orderId, at, `c-${i % 2}`, at) });
        statuses.forEach((kind, k) => timed.push({ at: placedAt + (k + 1) * 3_600_000, event: (at) => statusEvents[kind]!(orderId, at) }));
      });
      return timed.sort((a, b) => a.at - b.at).map(({ at, event }) => event(new Date(at).toISOString()));
    };
    const projection = customerOrdersProjection({ retentionDays: 30 });
    const order = fc.record({ placedDay: fc.integer({ min: 0, max: 60 }), statuses: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(order, { minLength: 1, maxLength: 6 }), fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), async (orders, stop, firstCuts, replayCuts) => {
        const events = storedEvents(logOf(orders));
        const once = await store()();
        await once.transaction((session) => projection.setup!(session));
        for (const event of events) await once.transaction((session) => projection.apply([event], session));
        const expected = await once.snapshot();

        // the log up to a point, in batches each delivered twice; then its checkpoint lost, the log applied again
        // from its start over what is there, in other batches: up to that point, then to its end
        const batched = await store()();
        await batched.transaction((session) => projection.setup!(session));
        const batchesOf = (end: number, cuts: readonly number[]): (readonly StoredEvent[])[] => {
          const bounds = [...new Set([0, ...cuts.map((cut) => cut % (end + 1)), end])].sort((x, y) => x - y);
          return bounds.slice(1).map((to, i) => events.slice(bounds[i], to));
        };
        const reached = stop % (events.length + 1);
        for (const batch of batchesOf(reached, firstCuts)) {
          await batched.transaction((session) => projection.apply(batch, session));
          await batched.transaction((session) => projection.apply(batch, session));
        }
        // what the read model reflects already, applied again, changes nothing, not even for a while
        const before = await batched.snapshot();
        for (const batch of batchesOf(reached, replayCuts)) {
          await batched.transaction((session) => projection.apply(batch, session));
          expect(await batched.snapshot()).toEqual(before);
        }
        for (const batch of batchesOf(events.length, replayCuts)) await batched.transaction((session) => projection.apply(batch, session));
        expect(await batched.snapshot()).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  describe('retention', () => {
    const newest = '2025-06-30T12:00:00.000Z';
    const before = (ms: number) => new Date(Date.parse(newest) - ms).toISOString();

    it('prunes exactly the orders placed before the window, measured from the newest event of the batch', () =>
      spec(customerOrdersProjection({ retentionDays: 30 }))
        .givenEvents([
          placed('too-old', before(30 * dayMs + 1), 'c-1', before(40 * dayMs)),
          placed('boundary', before(30 * dayMs), 'c-1', before(40 * dayMs)),
          placed('recent', before(1), 'c-1', before(20 * dayMs)),
          // a recent event on an old order does not keep it: age is placement time
          paid('too-old', before(10 * dayMs)),
          delivered('recent', newest),
        ])
        .thenReadModel(async (session) => {
          expect(await orderIds(session)).toEqual(['recent', 'boundary']);
          expect((await getCustomerOrders(session, 'c-1')).orders[0]).toMatchObject({ status: 'delivered' });
        }));

    it('keeps everything while the newest event is young enough, and prunes as later batches move the window', async () => {
      const projection = customerOrdersProjection({ retentionDays: 30 });
      const open = await store()();
      await open.transaction((session) => projection.setup!(session));
      const events = storedEvents([
        placed('o-1', '2025-01-01T00:00:00.000Z'),
        placed('o-2', '2025-01-14T23:59:59.999Z'),
        placed('o-3', '2025-01-31T00:00:00.000Z'),
        placed('o-4', '2025-02-14T00:00:00.000Z'),
      ]);
      await open.transaction((session) => projection.apply(events.slice(0, 3), session));
      expect(await orderIds(db)).toEqual(['o-3', 'o-2', 'o-1']);
      await open.transaction((session) => projection.apply(events.slice(3), session));
      expect(await orderIds(db)).toEqual(['o-4', 'o-3']);
      // a redelivery of the first batch neither brings pruned orders back nor moves the window back
      await open.transaction((session) => projection.apply(events.slice(0, 3), session));
      expect(await orderIds(db)).toEqual(['o-4', 'o-3']);
    });

    it('keeps 180 days by default', () =>
      spec()
        .givenEvents([placed('old', before(180 * dayMs + 1), 'c-1', newest), placed('kept', before(180 * dayMs), 'c-1', newest)])
        .thenReadModel(async (session) => expect(await orderIds(session)).toEqual(['kept'])));

    it.each([0, -1, 1.5, 36_501, Number.NaN])('refuses a retention of %s days', (retentionDays) =>
      expect(() => customerOrdersProjection({ retentionDays })).toThrow(RangeError));
  });
});
