import { CommandRejected, fold, IllegalTransition, InvalidCommand, NotFound, inMemoryEventStore, type EventStore } from '@twofold/core';
import { processorFor } from './processor-for.fixture.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cancelOrder } from './cancel-order.js';
import { deliverOrder, shipOrder } from './order-commands.js';
import { payOrder } from './pay-order.js';
import { orderDecider, orderStream, type OrderEvent } from './order.js';
import { mergeLines, placeOrder, type PlaceOrderInput } from './place-order.js';
import { addProduct, restockProduct } from './product-commands.js';
import { availableStock, productDecider, productStream, type ProductEvent } from './product.js';

const metadata = { now: new Date('2025-03-01T12:00:00.000Z'), correlationId: 'c-1' };
const product = (sku: string, stock: number, priceCents = 1000, currency = 'EUR') => ({
  sku,
  name: `Product ${sku}`,
  description: 'Useful',
  category: 'tools',
  priceCents,
  currency,
  merchantId: `m-${sku}`,
  stock,
});
const order = (orderId: string, lines: PlaceOrderInput['lines'], currency = 'EUR'): PlaceOrderInput => ({ orderId, customerId: 'c-1', currency, lines });

const productState = async (store: EventStore, sku: string) => {
  const state = fold(productDecider, (await store.readStream(productStream(sku))) as readonly ProductEvent[]);
  if (state.status !== 'listed') throw new Error(`${sku} is not listed`);
  return state;
};
const orderState = async (store: EventStore, orderId: string) =>
  fold(orderDecider, (await store.readStream(orderStream(orderId))) as readonly OrderEvent[]);

const seeded = async (...products: ReturnType<typeof product>[]) => {
  const store = inMemoryEventStore();
  for (const p of products) await addProduct(processorFor(store), p, metadata);
  return store;
};

describe('placeOrder', () => {
  it('prices the lines from the products, reserves stock and records the order in one append', async () => {
    const store = await seeded(product('A', 5, 250), product('B', 5, 1000));
    const result = await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }]), metadata);
    expect(new Set(result.streams.map((s) => s.streamId))).toEqual(new Set(['order-o-1', 'product-A', 'product-B']));
    const [placed] = await store.readStream('order-o-1');
    expect(placed).toMatchObject({
      type: 'OrderPlaced',
      data: {
        totalCents: 1500,
        placedAt: '2025-03-01T12:00:00.000Z',
        lines: [
          { sku: 'A', name: 'Product A', quantity: 2, unitPriceCents: 250, merchantId: 'm-A' },
          { sku: 'B', name: 'Product B', quantity: 1, unitPriceCents: 1000, merchantId: 'm-B' },
        ],
      },
      metadata: { correlationId: 'c-1' },
    });
    expect(new Set((await store.readAll({ after: { transactionId: 2, position: 2 }, limit: 10 })).map((e) => e.transactionId)).size).toBe(1);
    expect(availableStock(await productState(store, 'A'))).toBe(3);
    expect(availableStock(await productState(store, 'B'))).toBe(4);
  });

  it('merges lines of the same sku', async () => {
    const store = await seeded(product('A', 5));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 3 }]), metadata);
    expect((await orderState(store, 'o-1')).status === 'placed' && (await orderState(store, 'o-1'))).toMatchObject({ lines: [{ sku: 'A', quantity: 5 }] });
    expect(availableStock(await productState(store, 'A'))).toBe(0);
  });

  it('rejects an unknown sku as a business rule and writes nothing', async () => {
    const store = await seeded(product('A', 5));
    await expect(placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }, { sku: 'NOPE', quantity: 1 }]), metadata)).rejects.toSatisfy(
      (e) => e instanceof CommandRejected && e.code === 'unknown_product' && e.details.sku === 'NOPE',
    );
    expect(await store.readStream('order-o-1')).toEqual([]);
    expect(availableStock(await productState(store, 'A'))).toBe(5);
  });

  it('rejects a currency other than the product’s', async () => {
    const store = await seeded(product('A', 5, 100, 'USD'));
    await expect(placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }]), metadata)).rejects.toSatisfy(
      (e) => e instanceof CommandRejected && e.code === 'currency_mismatch' && e.details.productCurrency === 'USD',
    );
  });

  it('rejects insufficient stock on any line and reserves nothing', async () => {
    const store = await seeded(product('A', 5), product('B', 1));
    await expect(placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }]), metadata)).rejects.toSatisfy(
      (e) => e instanceof CommandRejected && e.code === 'insufficient_stock' && e.details.sku === 'B' && e.details.available === 1,
    );
    expect(availableStock(await productState(store, 'A'))).toBe(5);
    expect(await store.readStream('order-o-1')).toEqual([]);
  });

  it('refuses an order id that exists', async () => {
    const store = await seeded(product('A', 5));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }]), metadata);
    await expect(placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }]), metadata)).rejects.toBeInstanceOf(IllegalTransition);
    expect(availableStock(await productState(store, 'A'))).toBe(4);
  });

  it.each([
    ['lines', []],
    ['lines[0].quantity', [{ sku: 'A', quantity: 0 }]],
    ['lines[0].quantity', [{ sku: 'A', quantity: '1' }]],
    ['lines[0].sku', [{ sku: 'a b', quantity: 1 }]],
    ['lines', [{ sku: 'A', quantity: 60_000 }, { sku: 'A', quantity: 60_000 }]],
  ])('rejects malformed %s before reading anything', async (field, lines) => {
    const store = await seeded(product('A', 5));
    await expect(placeOrder(processorFor(store), order('o-1', lines as never), metadata)).rejects.toSatisfy(
      (e) => e instanceof InvalidCommand && e.details.field === field,
    );
  });

  it('rejects a malformed header with InvalidCommand', async () => {
    const store = await seeded(product('A', 5));
    await expect(placeOrder(processorFor(store), { ...order('o-1', [{ sku: 'A', quantity: 1 }]), currency: 'eur' }, metadata)).rejects.toBeInstanceOf(InvalidCommand);
    await expect(placeOrder(processorFor(store), { ...order('', [{ sku: 'A', quantity: 1 }]) }, metadata)).rejects.toBeInstanceOf(InvalidCommand);
  });
});

describe('mergeLines', () => {
  it('sums quantities per sku in first-seen order', () =>
    expect(mergeLines([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }])).toEqual([
      { sku: 'B', quantity: 4 },
      { sku: 'A', quantity: 2 },
    ]));
});

describe('cancelOrder', () => {
  it('records the cancellation and releases every reservation in one append', async () => {
    const store = await seeded(product('A', 5), product('B', 5));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }]), metadata);
    const result = await cancelOrder(processorFor(store), 'o-1', 'out of budget', metadata);
    expect(result.streams.map((s) => s.streamId).sort()).toEqual(['order-o-1', 'product-A', 'product-B']);
    expect((await store.readStream('order-o-1')).at(-1)).toMatchObject({ type: 'OrderCancelled', data: { reason: 'out of budget', refundCents: 0 } });
    expect(availableStock(await productState(store, 'A'))).toBe(5);
    expect(availableStock(await productState(store, 'B'))).toBe(5);
  });

  it('refunds a paid order', async () => {
    const store = await seeded(product('A', 5, 700));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }]), metadata);
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1400, paymentRef: 'p-1' }, metadata);
    await cancelOrder(processorFor(store), 'o-1', 'damaged', metadata);
    expect((await store.readStream('order-o-1')).at(-1)).toMatchObject({ type: 'OrderCancelled', data: { refundCents: 1400 } });
  });

  it('refuses once shipped and releases nothing', async () => {
    const store = await seeded(product('A', 5, 700));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }]), metadata);
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1400, paymentRef: 'p-1' }, metadata);
    await shipOrder(processorFor(store), { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T' }, metadata);
    await expect(cancelOrder(processorFor(store), 'o-1', 'late', metadata)).rejects.toSatisfy((e) => e instanceof IllegalTransition && e.from === 'shipped');
    expect(availableStock(await productState(store, 'A'))).toBe(3);
    await deliverOrder(processorFor(store), { orderId: 'o-1' }, metadata);
    expect((await orderState(store, 'o-1')).status).toBe('delivered');
  });

  it('refuses a second cancellation', async () => {
    const store = await seeded(product('A', 5));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 2 }]), metadata);
    await cancelOrder(processorFor(store), 'o-1', 'first', metadata);
    await expect(cancelOrder(processorFor(store), 'o-1', 'second', metadata)).rejects.toBeInstanceOf(IllegalTransition);
    expect(availableStock(await productState(store, 'A'))).toBe(5);
  });

  it('does not find an unknown order', async () => {
    await expect(cancelOrder(processorFor(inMemoryEventStore()), 'o-404', 'x', metadata)).rejects.toSatisfy((e) => e instanceof NotFound && e.details.order === 'o-404');
  });
});

describe('single-stream commands', () => {
  it('adds and restocks a product; a second add of the sku is an illegal transition', async () => {
    const store = await seeded(product('A', 1));
    await restockProduct(processorFor(store), { sku: 'A', quantity: 4 }, metadata);
    expect((await productState(store, 'A')).stockOnHand).toBe(5);
    await expect(addProduct(processorFor(store), product('A', 1), metadata)).rejects.toBeInstanceOf(IllegalTransition);
    await expect(restockProduct(processorFor(store), { sku: 'Z', quantity: 1 }, metadata)).rejects.toBeInstanceOf(NotFound);
  });

  it('pays only the exact total', async () => {
    const store = await seeded(product('A', 5, 700));
    await placeOrder(processorFor(store), order('o-1', [{ sku: 'A', quantity: 1 }]), metadata);
    await expect(payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1, paymentRef: 'p' }, metadata)).rejects.toSatisfy(
      (e) => e instanceof CommandRejected && e.code === 'payment_amount_mismatch',
    );
    await expect(shipOrder(processorFor(store), { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T' }, metadata)).rejects.toBeInstanceOf(IllegalTransition);
    await expect(payOrder(processorFor(store), { orderId: 'o-2', amountCents: 1, paymentRef: 'p' }, metadata)).rejects.toBeInstanceOf(NotFound);
  });
});

describe('concurrent orders', () => {
  it('never oversell: exactly the orders that fit in stock succeed, the others are rejected for stock', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(
          fc.array(fc.record({ sku: fc.constantFrom('A', 'B'), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }),
          { minLength: 1, maxLength: 25 },
        ),
        async (stockA, stockB, orders) => {
          const store = await seeded(product('A', stockA), product('B', stockB));
          const results = await Promise.allSettled(
            orders.map((lines, i) => placeOrder(processorFor(store, { maxAttempts: 1_000 }), order(`o-${i}`, lines), metadata)),
          );
          const placedLines = orders.filter((_, i) => results[i]!.status === 'fulfilled').flat();
          const demand = (sku: string) => placedLines.filter((l) => l.sku === sku).reduce((sum, l) => sum + l.quantity, 0);
          const a = await productState(store, 'A');
          const b = await productState(store, 'B');
          expect(demand('A')).toBeLessThanOrEqual(stockA);
          expect(demand('B')).toBeLessThanOrEqual(stockB);
          expect(a.reserved).toBe(demand('A'));
          expect(b.reserved).toBe(demand('B'));
          const available = { A: availableStock(a), B: availableStock(b) } as Record<string, number>;
          for (const [i, result] of results.entries()) {
            if (result.status === 'fulfilled') continue;
            expect(result.reason).toSatisfy((e) => e instanceof CommandRejected && e.code === 'insufficient_stock');
            // nothing is released here, so a line that did not fit when decided still does not fit
            expect(mergeLines(orders[i]).some((line) => line.quantity > available[line.sku]!)).toBe(true);
          }
          // every order that was placed holds its reservations, and only those
          for (const [i, result] of results.entries()) {
            expect((await orderState(store, `o-${i}`)).status).toBe(result.status === 'fulfilled' ? 'placed' : 'none');
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sells the last units exactly once under contention, and cancellations give them back', async () => {
    const store = await seeded(product('LAST', 10));
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => placeOrder(processorFor(store, { maxAttempts: 1_000 }), order(`o-${i}`, [{ sku: 'LAST', quantity: 1 }]), metadata)),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`o-${i}`] : []));
    expect(won).toHaveLength(10);
    expect(availableStock(await productState(store, 'LAST'))).toBe(0);
    await Promise.all(won.map((orderId) => cancelOrder(processorFor(store, { maxAttempts: 1_000 }), orderId, 'test', metadata)));
    expect(availableStock(await productState(store, 'LAST'))).toBe(10);
  });
});
