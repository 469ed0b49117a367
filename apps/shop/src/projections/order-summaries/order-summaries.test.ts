import { PGlite } from '@electric-sql/pglite';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent, OrderLine } from '../../domain/order.js';
import { orderStream } from '../../domain/order.js';
import { orderSummaries } from './order-summaries.js';
import { batchedOrderSummaryReader, getOrderSummaries, getOrderSummary, listOrderSummaries, maxOrderBatch } from './order-summary-queries.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: ['order_summaries'] });
const spec = () => projectionSpecification({ projection: orderSummaries, store: store() });

const line: OrderLine = { sku: 'MUG-1', name: 'Mug', quantity: 2, unitPriceCents: 1250, merchantId: 'm-1' };
const on = (orderId: string, event: OrderEvent): GivenEvent => ({ ...event, streamId: orderStream(orderId) });
const placed = (orderId: string, placedAt = '2025-03-01T10:00:00.000Z', customerId = 'c-1', sku = 'MUG-1'): GivenEvent =>
  on(orderId, {
    type: 'OrderPlaced',
    data: {
      orderId,
      customerId,
      currency: 'EUR',
      lines: [{ ...line, sku }],
      totalCents: 2500,
      customer: { name: 'Ada', email: 'ada@example.com' },
      shippingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
      placedAt,
    },
  });
const paid = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderPaid', data: { orderId, amountCents: 2500, currency: 'EUR', paymentRef: `pay-${orderId}`, paidAt: '2025-03-01T11:00:00.000Z' } });
const shipped = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: `T-${orderId}`, shippedAt: '2025-03-02T09:00:00.000Z' } });
const delivered = (orderId: string): GivenEvent => on(orderId, { type: 'OrderDelivered', data: { orderId, deliveredAt: '2025-03-03T15:00:00.000Z' } });
const cancelled = (orderId: string, refundCents: number): GivenEvent =>
  on(orderId, {
    type: 'OrderCancelled',
    data: { orderId, reason: 'changed my mind', refundCents, currency: 'EUR', lines: [line], cancelledAt: '2025-03-01T12:00:00.000Z' },
  });
/** recordedAt of the n-th given event (storedEvents starts at 2025-01-01T00:00:00Z, one second apart). */
const recordedAt = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n - 1));

describe('orderSummaries', () => {
  it('records a placed order', () =>
    spec()
      .givenEvents([placed('o-1')])
      .thenReadModel(async (session) => {
        expect(await getOrderSummary(session, 'o-1')).toEqual({
          orderId: 'o-1',
          customerId: 'c-1',
          status: 'placed',
          currency: 'EUR',
          totalCents: 2500,
          lines: [{ sku: 'MUG-1', name: 'Mug', quantity: 2, unitPriceCents: 1250 }],
          customer: { name: 'Ada', email: 'ada@example.com' },
          shippingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
          placedAt: new Date('2025-03-01T10:00:00.000Z'),
          paidAt: null,
          shippedAt: null,
          deliveredAt: null,
          cancelledAt: null,
          cancelReason: null,
          refundCents: null,
          paymentRef: null,
          carrier: null,
          trackingNumber: null,
          updatedAt: recordedAt(1),
          lastPosition: 1,
        });
        expect(await getOrderSummary(session, 'o-2')).toBeUndefined();
      }));

  it('follows an order through payment, shipping and delivery', () =>
    spec()
      .givenEvents([placed('o-1'), paid('o-1'), shipped('o-1'), delivered('o-1')])
      .thenReadModel(async (session) => {
        expect(await getOrderSummary(session, 'o-1')).toMatchObject({
          status: 'delivered',
          paidAt: new Date('2025-03-01T11:00:00.000Z'),
          paymentRef: 'pay-o-1',
          shippedAt: new Date('2025-03-02T09:00:00.000Z'),
          carrier: 'DHL',
          trackingNumber: 'T-o-1',
          deliveredAt: new Date('2025-03-03T15:00:00.000Z'),
          updatedAt: recordedAt(4),
          lastPosition: 4,
        });
      }));

  it('records a cancellation with its refund', () =>
    spec()
      .givenEvents([placed('o-1'), paid('o-1'), cancelled('o-1', 2500)])
      .thenReadModel(async (session) => {
        expect(await getOrderSummary(session, 'o-1')).toMatchObject({
          status: 'cancelled',
          cancelReason: 'changed my mind',
          refundCents: 2500,
          cancelledAt: new Date('2025-03-01T12:00:00.000Z'),
          paidAt: new Date('2025-03-01T11:00:00.000Z'),
        });
      }));

  it('applies interleaved orders, several events each, in log order within one batch', () =>
    spec()
      .givenEvents([
        placed('o-1'),
        placed('o-2'),
        paid('o-1'),
        { type: 'StockReserved', data: { sku: 'MUG-1', orderId: 'o-2', quantity: 1 }, streamId: 'product-MUG-1' },
        cancelled('o-2', 0),
        shipped('o-1'),
        placed('o-3'),
        delivered('o-1'),
      ])
      .thenReadModel(async (session) => {
        expect(await getOrderSummary(session, 'o-1')).toMatchObject({ status: 'delivered', lastPosition: 8 });
        expect(await getOrderSummary(session, 'o-2')).toMatchObject({ status: 'cancelled', refundCents: 0, lastPosition: 5 });
        expect(await getOrderSummary(session, 'o-3')).toMatchObject({ status: 'placed', lastPosition: 7 });
      }));

  it('ignores a late redelivery of older events', async () => {
    const open = await store()();
    await open.transaction((session) => orderSummaries.setup!(session));
    const events = storedEvents([placed('o-1'), paid('o-1'), shipped('o-1')]);
    for (const batch of [events, events.slice(0, 2), events.slice(1, 2)]) await open.transaction((session) => orderSummaries.apply(batch, session));
    expect(await getOrderSummary(db, 'o-1')).toMatchObject({ status: 'shipped', lastPosition: 3 });
  });

  it('gives the same read model however a history is split into batches', async () => {
    const histories: GivenEvent[][] = [
      [placed('a'), paid('a'), shipped('a'), delivered('a')],
      [placed('b'), cancelled('b', 0)],
      [placed('c'), paid('c'), cancelled('c', 2500)],
      [placed('d'), paid('d')],
    ];
    const total = histories.flat().length;
    // any interleaving of the streams that keeps each one in order (a pick of an exhausted stream takes the next one)
    const interleaving = fc
      .array(fc.constantFrom(0, 1, 2, 3), { minLength: total, maxLength: total })
      .map((picks) => {
        const next = histories.map(() => 0);
        const log: GivenEvent[] = [];
        for (const pick of picks) {
          for (let offset = 0; offset < histories.length; offset++) {
            const stream = (pick + offset) % histories.length;
            const event = histories[stream]![next[stream]!];
            if (event === undefined) continue;
            next[stream]!++;
            log.push(event);
            break;
          }
        }
        return log;
      });
    // ... and cut into batches anywhere
    await fc.assert(
      fc.asyncProperty(interleaving, fc.uniqueArray(fc.integer({ min: 1, max: total - 1 }), { maxLength: 4 }), async (log, cuts) => {
        const events = storedEvents(log);
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), events.length];
        const open = await store()();
        await open.transaction((session) => orderSummaries.setup!(session));
        for (let i = 1; i < bounds.length; i++) {
          const batch = events.slice(bounds[i - 1], bounds[i]);
          if (batch.length > 0) await open.transaction((session) => orderSummaries.apply(batch, session));
        }
        const statuses = Object.fromEntries(
          await Promise.all(['a', 'b', 'c', 'd'].map(async (id) => [id, (await getOrderSummary(db, id))?.status])),
        );
        expect(statuses).toEqual({ a: 'delivered', b: 'cancelled', c: 'cancelled', d: 'paid' });
      }),
      { numRuns: 15 },
    );
  });
});

describe('listOrderSummaries', () => {
  const history = [
    placed('o-1', '2025-03-01T10:00:00.000Z', 'c-1', 'MUG-1'),
    placed('o-2', '2025-03-02T10:00:00.000Z', 'c-2', 'TEA-1'),
    placed('o-3', '2025-03-03T10:00:00.000Z', 'c-1', 'TEA-1'),
    placed('o-4', '2025-03-03T10:00:00.000Z', 'c-1', 'MUG-1'),
    paid('o-3'),
  ];

  it('filters by customer, status, sku and placement time, newest first', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        const ids = async (filter: Parameters<typeof listOrderSummaries>[1]) =>
          (await listOrderSummaries(session, filter)).items.map((order) => order.orderId);
        expect(await ids({})).toEqual(['o-4', 'o-3', 'o-2', 'o-1']);
        expect(await ids({ customerId: 'c-1' })).toEqual(['o-4', 'o-3', 'o-1']);
        expect(await ids({ status: 'paid' })).toEqual(['o-3']);
        expect(await ids({ sku: 'TEA-1' })).toEqual(['o-3', 'o-2']);
        expect(await ids({ from: new Date('2025-03-02T00:00:00Z'), to: new Date('2025-03-03T00:00:00Z') })).toEqual(['o-2']);
      }));

  it('pages with a cursor, without gaps or repeats', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await listOrderSummaries(session, { limit: 1, ...(cursor === undefined ? {} : { cursor }) });
          seen.push(...page.items.map((order) => order.orderId));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        expect(seen).toEqual(['o-4', 'o-3', 'o-2', 'o-1']);
        await expect(listOrderSummaries(session, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid_input' });
        await expect(listOrderSummaries(session, { limit: 0 })).rejects.toMatchObject({ code: 'invalid_input' });
      }));

  it('reads several orders in one statement, lined up with the ids asked, and coalesces concurrent lookups', () =>
    spec()
      .givenEvents([placed('o-1'), placed('o-2'), paid('o-2'), placed('o-3')])
      .thenReadModel(async (session) => {
        const answers = await getOrderSummaries(session, ['o-3', 'missing', 'o-1', 'o-3']);
        expect(answers.map((order) => order?.orderId)).toEqual(['o-3', undefined, 'o-1', 'o-3']);
        expect(await getOrderSummaries(session, [])).toEqual([]);

        const statements: unknown[][] = [];
        const counting = { query: ((text: string, params?: unknown[]) => (statements.push(params ?? []), session.query(text, params))) as typeof session.query };
        const read = batchedOrderSummaryReader(counting);
        const ids = Array.from({ length: maxOrderBatch + 10 }, (_, i) => `o-${(i % 4) + 1}`);
        const orders = await Promise.all(ids.map(read));
        expect(orders.map((order) => order?.status)).toEqual(ids.map((id) => ({ 'o-1': 'placed', 'o-2': 'paid', 'o-3': 'placed', 'o-4': undefined })[id]));
        expect(statements).toHaveLength(2); // one full batch, then the rest
        expect(await getOrderSummary(session, 'o-2')).toEqual(orders[1]);
        // a later lookup is a new statement: nothing is cached between turns
        await read('o-1');
        expect(statements).toHaveLength(3);
      }));

  it('holds lookups that arrive while a batch runs for one next statement, and runs as many at once as allowed', () =>
    spec()
      .givenEvents([placed('o-1'), placed('o-2'), placed('o-3')])
      .thenReadModel(async (session) => {
        const lookups = async (maxBatchesInFlight: number): Promise<string[][]> => {
          const statements: string[][] = [];
          let open!: () => void;
          const gate = new Promise<void>((resolve) => (open = resolve));
          // the first statement stalls until the test lets it go, as a slow database would
          const slow = {
            query: (async (text: string, params?: unknown[]) => {
              const ids = (params?.[0] ?? []) as string[];
              statements.push(ids);
              if (statements.length === 1) await gate;
              return session.query(text, params);
            }) as typeof session.query,
          };
          const read = batchedOrderSummaryReader(slow, { maxBatchesInFlight });
          const first = read('o-1');
          await new Promise((resolve) => setImmediate(resolve));
          await new Promise((resolve) => setImmediate(resolve));
          const later = ['o-2', 'o-3', 'o-2'].map((id) => read(id));
          await new Promise((resolve) => setTimeout(resolve, 20));
          const startedBeforeRelease = statements.length;
          open();
          const answers = await Promise.all([first, ...later]);
          expect(answers.map((order) => order?.orderId)).toEqual(['o-1', 'o-2', 'o-3', 'o-2']);
          return [...statements.slice(0, startedBeforeRelease), ['released'], ...statements.slice(startedBeforeRelease)];
        };
        expect(await lookups(1)).toEqual([['o-1'], ['released'], ['o-2', 'o-3', 'o-2']]);
        expect(await lookups(2)).toEqual([['o-1'], ['o-2', 'o-3', 'o-2'], ['released']]);
        expect(() => batchedOrderSummaryReader(session, { maxBatchesInFlight: 0 })).toThrow(RangeError);
      }));
});
