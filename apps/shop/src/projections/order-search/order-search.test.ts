import { PGlite } from '@electric-sql/pglite';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderStream, type Customer, type OrderEvent, type OrderLine } from '../../domain/order.js';
import { searchOrders, type OrderSearch } from './order-search-queries.js';
import { orderSearch } from './order-search.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: orderSearch.tables! });
const spec = () => projectionSpecification({ projection: orderSearch, store: store() });

const mug: OrderLine = { sku: 'MUG-1', name: 'Blue ceramic mug', quantity: 2, unitPriceCents: 1250, merchantId: 'm-1' };
const tea: OrderLine = { sku: 'TEA-7', name: 'Green tea', quantity: 1, unitPriceCents: 500, merchantId: 'm-2' };
const ada: Customer = { name: 'Ada Lovelace', email: 'ada@analytical.org' };
const grace: Customer = { name: 'Grace Hopper', email: 'grace@navy.mil' };

const on = (orderId: string, event: OrderEvent): GivenEvent => ({ ...event, streamId: orderStream(orderId) });
const placed = (orderId: string, options: { customerId?: string; customer?: Customer; lines?: OrderLine[]; placedAt?: string } = {}): GivenEvent => {
  const { customerId = 'c-1', customer, lines = [mug], placedAt = '2025-03-01T10:00:00.000Z' } = options;
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return on(orderId, { type: 'OrderPlaced', data: { orderId, customerId, currency: 'EUR', lines, totalCents, placedAt, ...(customer === undefined ? {} : { customer }) } });
};
const paid = (orderId: string, amountCents = 2500): GivenEvent =>
  on(orderId, { type: 'OrderPaid', data: { orderId, amountCents, currency: 'EUR', paymentRef: 'p', paidAt: '2025-03-01T11:00:00.000Z' } });
const shipped = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderShipped', data: { orderId, carrier: 'DHL', trackingNumber: 'T', shippedAt: '2025-03-02T11:00:00.000Z' } });
const cancelled = (orderId: string): GivenEvent =>
  on(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'r', refundCents: 0, currency: 'EUR', lines: [mug], cancelledAt: '2025-03-01T12:00:00.000Z' } });

const ids = async (session: SqlSession, search: OrderSearch) => (await searchOrders(session, search)).items.map((order) => order.orderId);

/** Every page of a search, concatenated. */
async function allPages(session: SqlSession, search: OrderSearch, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchOrders(session, { ...search, limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((order) => order.orderId));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return seen;
}

describe('orderSearch', () => {
  it('records a placed order and follows its status', () =>
    spec()
      .givenEvents([placed('o-1', { customer: ada, lines: [mug, tea] }), placed('o-2'), paid('o-1', 3000), shipped('o-1'), cancelled('o-2')])
      .thenReadModel(async (session) => {
        expect((await searchOrders(session)).items).toEqual([
          {
            orderId: 'o-2',
            customerId: 'c-1',
            customerName: null,
            customerEmail: null,
            status: 'cancelled',
            currency: 'EUR',
            totalCents: 2500,
            lines: [{ sku: 'MUG-1', name: 'Blue ceramic mug', quantity: 2, unitPriceCents: 1250 }],
            placedAt: new Date('2025-03-01T10:00:00.000Z'),
            updatedAt: new Date('2025-01-01T00:00:04.000Z'),
          },
          {
            orderId: 'o-1',
            customerId: 'c-1',
            customerName: 'Ada Lovelace',
            customerEmail: 'ada@analytical.org',
            status: 'shipped',
            currency: 'EUR',
            totalCents: 3000,
            lines: [
              { sku: 'MUG-1', name: 'Blue ceramic mug', quantity: 2, unitPriceCents: 1250 },
              { sku: 'TEA-7', name: 'Green tea', quantity: 1, unitPriceCents: 500 },
            ],
            placedAt: new Date('2025-03-01T10:00:00.000Z'),
            updatedAt: new Date('2025-01-01T00:00:03.000Z'),
          },
        ]);
      }));

  it('ignores a late redelivery of an older status', async () => {
    const open = await store()();
    await open.transaction((session) => orderSearch.setup!(session));
    const events = storedEvents([placed('o-1'), paid('o-1'), shipped('o-1')]);
    for (const batch of [events, events.slice(0, 2), events.slice(1, 2)]) await open.transaction((session) => orderSearch.apply(batch, session));
    expect((await searchOrders(db)).items).toMatchObject([{ orderId: 'o-1', status: 'shipped' }]);
  });

  const history = [
    placed('o-1', { customerId: 'c-ada', customer: ada, lines: [mug], placedAt: '2025-03-01T10:00:00.000Z' }),
    placed('o-2', { customerId: 'c-grace', customer: grace, lines: [tea], placedAt: '2025-03-02T10:00:00.000Z' }),
    placed('o-3', { customerId: 'c-ada', customer: ada, lines: [mug, tea], placedAt: '2025-03-03T10:00:00.000Z' }),
    placed('o-4', { customerId: 'c-anon', lines: [tea], placedAt: '2025-03-03T10:00:00.000Z' }),
    paid('o-3', 3000),
    cancelled('o-2'),
  ];

  it('finds orders by words of the customer, products and skus', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        expect(await ids(session, { q: 'ada' })).toEqual(['o-3', 'o-1']);
        expect(await ids(session, { q: 'Lovelace' })).toEqual(['o-3', 'o-1']);
        expect(await ids(session, { q: 'grace@navy.mil' })).toEqual(['o-2']);
        expect(await ids(session, { q: 'navy.mil' })).toEqual(['o-2']);
        expect(await ids(session, { q: 'green tea' })).toEqual(['o-4', 'o-3', 'o-2']);
        expect(await ids(session, { q: 'tea -ada' })).toEqual(['o-4', 'o-2']);
        expect(await ids(session, { q: 'TEA-7' })).toEqual(['o-4', 'o-3', 'o-2']);
        expect(await ids(session, { q: 'mug-1' })).toEqual(['o-3', 'o-1']);
        expect(await ids(session, { q: 'ceramic or hopper' })).toEqual(['o-3', 'o-2', 'o-1']);
        expect(await ids(session, { q: 'o-4' })).toEqual(['o-4']);
        expect(await ids(session, { q: 'nobody' })).toEqual([]);
        expect(await ids(session, { q: `'"():&|!*` })).toEqual([]);
        expect(await ids(session, { q: '   ' })).toEqual(['o-4', 'o-3', 'o-2', 'o-1']);
      }));

  it('filters by customer, sku, status and placement time, alone and together', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        expect(await ids(session, {})).toEqual(['o-4', 'o-3', 'o-2', 'o-1']);
        expect(await ids(session, { customerId: 'c-ada' })).toEqual(['o-3', 'o-1']);
        expect(await ids(session, { sku: 'TEA-7' })).toEqual(['o-4', 'o-3', 'o-2']);
        expect(await ids(session, { sku: 'TEA' })).toEqual([]);
        expect(await ids(session, { status: 'paid' })).toEqual(['o-3']);
        expect(await ids(session, { status: 'cancelled' })).toEqual(['o-2']);
        expect(await ids(session, { from: new Date('2025-03-02T10:00:00Z') })).toEqual(['o-4', 'o-3', 'o-2']);
        expect(await ids(session, { to: new Date('2025-03-02T10:00:00Z') })).toEqual(['o-1']);
        expect(await ids(session, { from: new Date('2025-03-02T00:00:00Z'), to: new Date('2025-03-03T00:00:00Z') })).toEqual(['o-2']);
        expect(await ids(session, { customerId: 'c-ada', sku: 'TEA-7', status: 'paid', q: 'lovelace', from: new Date('2025-03-03T00:00:00Z') })).toEqual(['o-3']);
        expect(await ids(session, { customerId: 'c-ada', status: 'cancelled' })).toEqual([]);
      }));

  it('rejects a bad cursor, limit or range', () =>
    spec()
      .givenEvents(history)
      .thenReadModel(async (session) => {
        for (const search of [
          { cursor: 'garbage' },
          { cursor: Buffer.from(JSON.stringify(['not a date', 'o-1'])).toString('base64url') },
          { cursor: Buffer.from(JSON.stringify(['-100000-01-01T00:00:00.000Z', 'o-1'])).toString('base64url') },
          { limit: 0 },
          { limit: 201 },
          { from: new Date('nope') },
          { from: new Date('2025-03-02T00:00:00Z'), to: new Date('2025-03-02T00:00:00Z') },
          { q: 'x'.repeat(501) },
        ] satisfies OrderSearch[]) {
          await expect(searchOrders(session, search), JSON.stringify(search)).rejects.toMatchObject({ code: 'invalid_input' });
        }
      }));

  it('pages newest first without gaps or repeats, with ties on placement time', async () => {
    const times = ['2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00.001Z', '2025-03-02T09:30:00.000Z'];
    const order = fc.record({ time: fc.constantFrom(...times), customer: fc.constantFrom('c-1', 'c-2'), tea: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(order, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 7 }), async (orders, limit) => {
        const open = await store()();
        await open.transaction((session) => orderSearch.setup!(session));
        const events = storedEvents(
          orders.map((o, i) => placed(`o-${String(i).padStart(2, '0')}`, { customerId: o.customer, placedAt: o.time, lines: o.tea ? [tea] : [mug] })),
        );
        await open.transaction((session) => orderSearch.apply(events, session));
        for (const search of [{}, { customerId: 'c-1' }, { q: 'tea' }, { sku: 'MUG-1', from: new Date(times[1]!) }] satisfies OrderSearch[]) {
          const all = await ids(db, { ...search, limit: 200 });
          const keys = all.map((id) => {
            const o = orders[Number(id.slice(2))]!;
            return `${o.time} ${id}`;
          });
          expect(keys).toEqual([...keys].sort().reverse());
          const paged = await allPages(db, search, limit);
          expect(paged).toEqual(all);
          expect(new Set(paged).size).toBe(paged.length);
        }
      }),
      { numRuns: 25 },
    );
  });
});
