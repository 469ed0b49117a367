import { PGlite } from '@electric-sql/pglite';
import { processorFor } from '../../domain/processor-for.fixture.js';
import { CommandRejected, fold, IllegalTransition, inMemoryEventStore, logStart, NotFound, type EventStore, type StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelOrder } from '../../domain/cancel-order.js';
import { sendPayout } from '../../domain/merchant-commands.js';
import { availableCents, merchantDecider, merchantStream, type MerchantEvent } from '../../domain/merchant.js';
import { payOrder } from '../../domain/pay-order.js';
import { placeOrder } from '../../domain/place-order.js';
import { addProduct } from '../../domain/product-commands.js';
import { getMerchantBalances } from './merchant-balance-queries.js';
import { merchantBalances } from './merchant-balances.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: merchantBalances.tables! });
const spec = () => projectionSpecification({ projection: merchantBalances, store: store() });

const on = (merchantId: string, event: MerchantEvent): GivenEvent => ({ ...event, streamId: merchantStream(merchantId) });
const charged = (merchantId: string, orderId: string, amountCents: number, currency = 'EUR') =>
  on(merchantId, { type: 'MerchantCharged', data: { merchantId, orderId, currency, amountCents } });
const refunded = (merchantId: string, orderId: string, amountCents: number, currency = 'EUR') =>
  on(merchantId, { type: 'MerchantRefunded', data: { merchantId, orderId, currency, amountCents } });
const paidOut = (merchantId: string, payoutId: string, amountCents: number, currency = 'EUR') =>
  on(merchantId, { type: 'PayoutSent', data: { merchantId, payoutId, currency, amountCents } });

describe('merchantBalances', () => {
  it('keeps one row per merchant and currency with charges, refunds, payouts and the balance', () =>
    spec()
      .givenEvents([
        charged('m-1', 'o-1', 1000),
        charged('m-2', 'o-1', 500),
        charged('m-1', 'o-2', 250, 'USD'),
        refunded('m-1', 'o-1', 1000),
        { type: 'OrderPaid', data: {}, streamId: 'order-o-9' },
        charged('m-1', 'o-3', 700),
        paidOut('m-1', 'p-1', 600),
        paidOut('m-2', 'p-2', 500),
        refunded('m-2', 'o-1', 500),
      ])
      .thenReadModel(async (session) => {
        expect(await getMerchantBalances(session, 'm-1')).toEqual({
          merchantId: 'm-1',
          balances: [
            { currency: 'EUR', chargesCents: 1700, refundsCents: 1000, payoutsCents: 600, balanceCents: 100, updatedAt: new Date('2025-01-01T00:00:06Z') },
            { currency: 'USD', chargesCents: 250, refundsCents: 0, payoutsCents: 0, balanceCents: 250, updatedAt: new Date('2025-01-01T00:00:02Z') },
          ],
        });
        expect((await getMerchantBalances(session, 'm-2')).balances).toMatchObject([{ currency: 'EUR', balanceCents: -500 }]);
        expect(await getMerchantBalances(session, 'm-404')).toEqual({ merchantId: 'm-404', balances: [] });
      }));

  it('adds nothing twice when a batch overlaps one already applied', async () => {
    const open = await store()();
    await open.transaction((session) => merchantBalances.setup!(session));
    const events = storedEvents([charged('m-1', 'o-1', 100), charged('m-1', 'o-2', 200), paidOut('m-1', 'p-1', 50), refunded('m-1', 'o-1', 100)]);
    for (const batch of [events.slice(0, 2), events.slice(1, 3), events, events.slice(3), events.slice(0, 1)]) {
      await open.transaction((session) => merchantBalances.apply(batch, session));
    }
    expect((await getMerchantBalances(db, 'm-1')).balances).toMatchObject([{ chargesCents: 300, refundsCents: 100, payoutsCents: 50, balanceCents: 150 }]);
  });
});

describe('merchantBalances over the real commands', () => {
  const products = [
    { sku: 'E1', merchantId: 'm-1', currency: 'EUR', priceCents: 300 },
    { sku: 'E2', merchantId: 'm-2', currency: 'EUR', priceCents: 1_000 },
    { sku: 'E3', merchantId: 'm-3', currency: 'EUR', priceCents: 0 },
    { sku: 'U1', merchantId: 'm-1', currency: 'USD', priceCents: 250 },
    { sku: 'U2', merchantId: 'm-3', currency: 'USD', priceCents: 799 },
    { sku: 'U3', merchantId: 'm-2', currency: 'USD', priceCents: 50 },
  ];
  const merchants = ['m-1', 'm-2', 'm-3'];
  const currencies = ['EUR', 'USD'];

  type Operation =
    | { readonly kind: 'place'; readonly currency: string; readonly lines: readonly { readonly pick: number; readonly quantity: number }[] }
    | { readonly kind: 'pay'; readonly pick: number; readonly exact: boolean }
    | { readonly kind: 'cancel'; readonly pick: number }
    | { readonly kind: 'payout'; readonly merchantId: string; readonly currency: string; readonly amountCents: number; readonly reuse: boolean };

  const operation: fc.Arbitrary<Operation> = fc.oneof(
    fc.record({
      kind: fc.constant('place' as const),
      currency: fc.constantFrom(...currencies),
      lines: fc.array(fc.record({ pick: fc.nat(), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('pay' as const), pick: fc.nat(), exact: fc.boolean() }),
    fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    fc.record({
      kind: fc.constant('payout' as const),
      merchantId: fc.constantFrom(...merchants),
      currency: fc.constantFrom(...currencies),
      amountCents: fc.integer({ min: 1, max: 3_000 }),
      reuse: fc.boolean(),
    }),
  );

  const expected = [CommandRejected, IllegalTransition, NotFound];

  /** Runs the operations through the command functions; returns what the event store holds afterwards. */
  async function run(operations: readonly Operation[]): Promise<{ events: EventStore; rejected: number }> {
    let tick = Date.parse('2025-03-01T00:00:00Z');
    const events = inMemoryEventStore({ now: () => new Date((tick += 1_000)) });
    const metadata = () => ({ now: new Date(tick), correlationId: 'c-1' });
    for (const p of products) {
      await addProduct(processorFor(events), { ...p, name: `Product ${p.sku}`, description: '', category: 'misc', stock: 10_000_000 }, metadata());
    }
    const orders: { orderId: string; totalCents: number }[] = [];
    const payouts: { payoutId: string; merchantId: string }[] = [];
    let rejected = 0;
    for (const op of operations) {
      try {
        switch (op.kind) {
          case 'place': {
            const offered = products.filter((p) => p.currency === op.currency);
            const lines = new Map<string, number>();
            for (const { pick, quantity } of op.lines) {
              const sku = offered[pick % offered.length]!.sku;
              lines.set(sku, (lines.get(sku) ?? 0) + quantity);
            }
            const orderId = `o-${orders.length}`;
            await placeOrder(processorFor(events), { orderId, customerId: 'c-1', currency: op.currency, lines: [...lines].map(([sku, quantity]) => ({ sku, quantity })) }, metadata());
            const totalCents = [...lines].reduce((sum, [sku, quantity]) => sum + quantity * products.find((p) => p.sku === sku)!.priceCents, 0);
            orders.push({ orderId, totalCents });
            break;
          }
          case 'pay': {
            const order = orders[op.pick % Math.max(orders.length, 1)] ?? { orderId: 'o-none', totalCents: 1 };
            await payOrder(processorFor(events), { orderId: order.orderId, amountCents: op.exact ? order.totalCents : order.totalCents + 1, paymentRef: 'pay' }, metadata());
            break;
          }
          case 'cancel': {
            const order = orders[op.pick % Math.max(orders.length, 1)] ?? { orderId: 'o-none', totalCents: 1 };
            await cancelOrder(processorFor(events), order.orderId, 'test', metadata());
            break;
          }
          case 'payout': {
            const earlier = payouts.find((p) => p.merchantId === op.merchantId);
            const payoutId = op.reuse && earlier !== undefined ? earlier.payoutId : `po-${payouts.length}`;
            await sendPayout(processorFor(events), { merchantId: op.merchantId, payoutId, currency: op.currency, amountCents: op.amountCents }, metadata());
            payouts.push({ payoutId, merchantId: op.merchantId });
            break;
          }
        }
      } catch (error) {
        if (!expected.some((errorClass) => error instanceof errorClass)) throw error;
        rejected++;
      }
    }
    return { events, rejected };
  }

  /** Balances recomputed from the whole log: sums per merchant and currency, by event type. */
  function recompute(log: readonly StoredEvent[]): Map<string, { chargesCents: number; refundsCents: number; payoutsCents: number }> {
    const sums = new Map<string, { chargesCents: number; refundsCents: number; payoutsCents: number }>();
    for (const event of log as readonly StoredEvent<MerchantEvent>[]) {
      if (!['MerchantCharged', 'MerchantRefunded', 'PayoutSent'].includes(event.type)) continue;
      const key = `${event.data.merchantId} ${event.data.currency}`;
      const sum = sums.get(key) ?? { chargesCents: 0, refundsCents: 0, payoutsCents: 0 };
      const field = event.type === 'MerchantCharged' ? 'chargesCents' : event.type === 'MerchantRefunded' ? 'refundsCents' : 'payoutsCents';
      sums.set(key, { ...sum, [field]: sum[field] + event.data.amountCents });
    }
    return sums;
  }

  it('equals the balances folded from the event store after 5,000 random operations, however the log is batched and redelivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { minLength: 5_000, maxLength: 5_000 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        async (operations, batchSizes) => {
          const { events, rejected } = await run(operations);
          const log = await events.readAll({ after: logStart, limit: Number.MAX_SAFE_INTEGER });
          const handled = log.filter((event) => (merchantBalances.handles as readonly string[]).includes(event.type));
          // not vacuous: money moved every way, and some commands were refused (payouts for lack of balance among them)
          expect(new Set(handled.map((event) => event.type))).toEqual(new Set(merchantBalances.handles));
          expect(rejected).toBeGreaterThan(0);

          const open = await store()();
          await open.transaction((session) => merchantBalances.setup!(session));
          // batches of varying sizes; every third one is delivered again, overlapping the next
          let start = 0;
          for (let i = 0; start < handled.length; i++) {
            const size = batchSizes[i % batchSizes.length]!;
            const batch = handled.slice(start, start + size);
            await open.transaction((session) => merchantBalances.apply(batch, session));
            if (i % 3 === 2) await open.transaction((session) => merchantBalances.apply(handled.slice(Math.max(0, start - size), start + size), session));
            start += size;
          }

          const recomputed = recompute(log);
          for (const merchantId of merchants) {
            const state = fold(merchantDecider, (await events.readStream(merchantStream(merchantId))) as readonly MerchantEvent[]);
            const folded = [...state.balances]
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([currency, balance]) => ({ currency, ...balance, balanceCents: availableCents(balance) }));
            const { balances } = await getMerchantBalances(db, merchantId);
            expect(balances.map(({ updatedAt: _at, ...balance }) => balance), merchantId).toEqual(folded);
            for (const { currency, ...balance } of folded) {
              expect(recomputed.get(`${merchantId} ${currency}`)).toEqual({
                chargesCents: balance.chargesCents,
                refundsCents: balance.refundsCents,
                payoutsCents: balance.payoutsCents,
              });
            }
          }
          expect([...recomputed.keys()].length).toBe((await db.query('SELECT 1 FROM merchant_balances')).rows.length);
        },
      ),
      { numRuns: 2 },
    );
  }, 120_000);
});
