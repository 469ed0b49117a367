import { PGlite } from '@electric-sql/pglite';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, type OrderEvent, type OrderLine } from '../../domain/order.js';
import { getSalesReport, type SalesQuery } from './sales-analytics-queries.js';
import { minuteOf, salesAnalytics } from './sales-analytics.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: salesAnalytics.tables! });
const spec = () => projectionSpecification({ projection: salesAnalytics, store: store() });

const line = (sku: string, quantity: number, unitPriceCents: number): OrderLine => ({ sku, name: `Product ${sku}`, quantity, unitPriceCents, merchantId: 'm-1' });
const on = (orderId: string, event: OrderEvent): GivenEvent => ({ ...event, streamId: orderStream(orderId) });
const total = (lines: readonly OrderLine[]) => lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
const placed = (orderId: string, placedAt: string, lines: OrderLine[], currency = 'EUR'): GivenEvent =>
  on(orderId, { type: 'OrderPlaced', data: { orderId, customerId: 'c-1', currency, lines, totalCents: total(lines), placedAt } });
const paid = (orderId: string, paidAt: string, amountCents: number, currency = 'EUR'): GivenEvent =>
  on(orderId, { type: 'OrderPaid', data: { orderId, amountCents, currency, paymentRef: 'p', paidAt } });
const cancelled = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'r', refundCents: 0, currency: 'EUR', lines: [], cancelledAt: '2025-03-01T10:09:00.000Z' } });

const mugs = [line('MUG', 2, 1_000)];
const teaAndMug = [line('TEA', 5, 300), line('MUG', 1, 1_000)];
const pens = [line('PEN', 1, 9_000)];
const day: SalesQuery = { from: new Date('2025-03-01T00:00:00Z'), to: new Date('2025-03-02T00:00:00Z') };

describe('salesAnalytics', () => {
  const history = [
    placed('o-1', '2025-03-01T10:00:05.000Z', mugs),
    placed('o-2', '2025-03-01T10:00:59.999Z', teaAndMug),
    placed('o-3', '2025-03-01T10:01:00.000Z', pens, 'USD'),
    paid('o-1', '2025-03-01T10:02:30.000Z', 2_000),
    paid('o-3', '2025-03-01T10:02:31.000Z', 9_000, 'USD'),
    placed('o-4', '2025-03-01T10:02:40.000Z', mugs),
    paid('o-2', '2025-03-01T10:05:00.000Z', 2_500),
    // cancelled after payment: the sale still counted when it was paid (gross revenue)
    cancelled('o-2'),
  ];

  it('counts orders in the minute placed and revenue in the minute paid, per currency', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        const report = await getSalesReport(session, day);
        expect(report.minutes).toEqual([
          { minute: new Date('2025-03-01T10:00:00Z'), orders: 2, revenueCents: 0, currency: 'EUR' },
          { minute: new Date('2025-03-01T10:01:00Z'), orders: 1, revenueCents: 0, currency: 'USD' },
          { minute: new Date('2025-03-01T10:02:00Z'), orders: 1, revenueCents: 2_000, currency: 'EUR' },
          { minute: new Date('2025-03-01T10:02:00Z'), orders: 0, revenueCents: 9_000, currency: 'USD' },
          { minute: new Date('2025-03-01T10:05:00Z'), orders: 0, revenueCents: 2_500, currency: 'EUR' },
        ]);
        expect(report.topProducts).toEqual([
          { sku: 'TEA', name: 'Product TEA', currency: 'EUR', quantity: 5, revenueCents: 1_500 },
          { sku: 'MUG', name: 'Product MUG', currency: 'EUR', quantity: 3, revenueCents: 3_000 },
          { sku: 'PEN', name: 'Product PEN', currency: 'USD', quantity: 1, revenueCents: 9_000 },
        ]);
      }));

  it('reports minutes starting in [from, to) and ranks products over the same range', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        const range = { from: new Date('2025-03-01T10:01:00Z'), to: new Date('2025-03-01T10:05:00Z') };
        const report = await getSalesReport(session, range);
        expect(report.minutes.map((m) => `${m.minute.toISOString()} ${m.currency}`)).toEqual([
          '2025-03-01T10:01:00.000Z USD',
          '2025-03-01T10:02:00.000Z EUR',
          '2025-03-01T10:02:00.000Z USD',
        ]);
        expect(report.topProducts.map((p) => p.sku)).toEqual(['MUG', 'PEN']);
        expect((await getSalesReport(session, { ...range, topBy: 'revenue' })).topProducts.map((p) => p.sku)).toEqual(['PEN', 'MUG']);
        expect((await getSalesReport(session, { ...day, top: 1 })).topProducts.map((p) => p.sku)).toEqual(['TEA']);
        expect(await getSalesReport(session, { from: new Date('2025-03-02T00:00:00Z'), to: new Date('2025-03-03T00:00:00Z') })).toMatchObject({
          minutes: [],
          topProducts: [],
        });
      }));

  it('rejects a reversed, empty or too long range and a bad top', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        for (const query of [
          { from: day.to, to: day.from },
          { from: day.from, to: day.from },
          { from: day.from, to: new Date(day.from.getTime() + 31 * 86_400_000 + 1) },
          { from: new Date('nope'), to: day.to },
          { ...day, top: 0 },
          { ...day, top: 101 },
        ] satisfies SalesQuery[]) {
          await expect(getSalesReport(session, query), JSON.stringify(query)).rejects.toMatchObject({ code: 'invalid_input' });
        }
        await expect(getSalesReport(session, { from: day.from, to: new Date(day.from.getTime() + 31 * 86_400_000) })).resolves.toBeDefined();
      }));

  it('equals buckets summed from the events, however the log is batched and redelivered', async () => {
    const minutes = ['2025-03-01T10:00:10.000Z', '2025-03-01T10:00:50.000Z', '2025-03-01T10:01:00.000Z', '2025-03-01T10:07:00.000Z'];
    const orderArb = fc.record({
      placedAt: fc.constantFrom(...minutes),
      paidAt: fc.option(fc.constantFrom(...minutes), { nil: undefined }),
      currency: fc.constantFrom('EUR', 'USD'),
      lines: fc.uniqueArray(fc.record({ sku: fc.constantFrom('A', 'B', 'C'), quantity: fc.integer({ min: 1, max: 4 }) }), {
        minLength: 1,
        maxLength: 3,
        selector: (l) => l.sku,
      }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(orderArb, { minLength: 1, maxLength: 15 }), fc.integer({ min: 1, max: 6 }), async (orders, batchSize) => {
        const lines = (o: (typeof orders)[number]) => o.lines.map((l) => line(`${l.sku}-${o.currency}`, l.quantity, 100));
        const given = orders.flatMap((o, i) => [
          placed(`o-${i}`, o.placedAt, lines(o), o.currency),
          ...(o.paidAt === undefined ? [] : [paid(`o-${i}`, o.paidAt, total(lines(o)), o.currency)]),
        ]);
        const events = storedEvents(given);
        const open = await store()();
        await open.transaction((session) => salesAnalytics.setup!(session));
        for (let start = 0; start < events.length; start += batchSize) {
          await open.transaction((session) => salesAnalytics.apply(events.slice(start, start + batchSize), session));
          await open.transaction((session) => salesAnalytics.apply(events.slice(Math.max(0, start - 1), start + batchSize), session));
        }
        const expected = new Map<string, { orders: number; revenueCents: number }>();
        const bucket = (minute: string, currency: string) => {
          const key = `${minute} ${currency}`;
          const value = expected.get(key) ?? { orders: 0, revenueCents: 0 };
          expected.set(key, value);
          return value;
        };
        for (const o of orders) {
          bucket(minuteOf(o.placedAt), o.currency).orders++;
          if (o.paidAt !== undefined) bucket(minuteOf(o.paidAt), o.currency).revenueCents += total(lines(o));
        }
        const report = await getSalesReport(db, day);
        expect(Object.fromEntries(report.minutes.map((m) => [`${m.minute.toISOString()} ${m.currency}`, { orders: m.orders, revenueCents: m.revenueCents }]))).toEqual(
          Object.fromEntries(expected),
        );
        const units = new Map<string, number>();
        for (const o of orders) if (o.paidAt !== undefined) for (const l of lines(o)) units.set(l.sku, (units.get(l.sku) ?? 0) + l.quantity);
        const top = await getSalesReport(db, { ...day, top: 100 });
        expect(Object.fromEntries(top.topProducts.map((p) => [p.sku, p.quantity]))).toEqual(Object.fromEntries(units));
      }),
      { numRuns: 20 },
    );
  });
});
