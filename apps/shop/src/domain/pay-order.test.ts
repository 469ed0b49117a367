import { fold, IllegalTransition, inMemoryEventStore, type EventStore } from '@twofold/core';
import { processorFor } from './processor-for.fixture.js';
import { describe, expect, it } from 'vitest';
import { cancelOrder } from './cancel-order.js';
import { sendPayout } from './merchant-commands.js';
import { availableCents, balanceIn, merchantDecider, merchantStream, type MerchantEvent } from './merchant.js';
import { shipOrder } from './order-commands.js';
import { payOrder } from './pay-order.js';
import { placeOrder } from './place-order.js';
import { addProduct } from './product-commands.js';

const metadata = { now: new Date('2025-03-01T12:00:00.000Z'), correlationId: 'c-1' };
const product = (sku: string, priceCents: number, merchantId: string) => ({
  sku,
  name: `Product ${sku}`,
  description: '',
  category: 'tools',
  priceCents,
  currency: 'EUR',
  merchantId,
  stock: 100,
});

const seeded = async () => {
  const store = inMemoryEventStore();
  for (const p of [product('A', 300, 'm-1'), product('B', 1000, 'm-2'), product('C', 50, 'm-1'), product('FREE', 0, 'm-3')]) {
    await addProduct(processorFor(store), p, metadata);
  }
  await placeOrder(
    processorFor(store),
    {
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      lines: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'C', quantity: 4 },
        { sku: 'FREE', quantity: 1 },
      ],
    },
    metadata,
  );
  return store;
};
const merchantEvents = async (store: EventStore, merchantId: string) => (await store.readStream(merchantStream(merchantId))) as readonly MerchantEvent[];
const available = async (store: EventStore, merchantId: string) =>
  availableCents(balanceIn(fold(merchantDecider, await merchantEvents(store, merchantId)), 'EUR'));

describe('payOrder', () => {
  it('records the payment and charges each merchant its share, in one append', async () => {
    const store = await seeded();
    const result = await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    expect(result.streams.map((s) => s.streamId)).toEqual(['order-o-1', 'merchant-m-1', 'merchant-m-2']);
    expect(new Set((await store.readAll({ after: { transactionId: 0, position: 0 }, limit: 100 })).slice(-3).map((e) => e.transactionId)).size).toBe(1);
    expect((await merchantEvents(store, 'm-1')).map((e) => e.data)).toEqual([{ merchantId: 'm-1', orderId: 'o-1', currency: 'EUR', amountCents: 800 }]);
    expect((await merchantEvents(store, 'm-2')).map((e) => e.data)).toEqual([{ merchantId: 'm-2', orderId: 'o-1', currency: 'EUR', amountCents: 1000 }]);
    // a merchant whose lines total nothing is not charged
    expect(await merchantEvents(store, 'm-3')).toEqual([]);
  });

  it('charges nothing when the payment is refused', async () => {
    const store = await seeded();
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    await expect(payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-2' }, metadata)).rejects.toBeInstanceOf(IllegalTransition);
    expect(await available(store, 'm-1')).toBe(800);
  });

  it('lets exactly one of many concurrent payments charge the merchants', async () => {
    const store = await seeded();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => payOrder(processorFor(store, { maxAttempts: 100 }), { orderId: 'o-1', amountCents: 1800, paymentRef: `p-${i}` }, metadata)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await merchantEvents(store, 'm-2')).toHaveLength(1);
  });

  it('pays orders of one merchant concurrently without contending on its stream', async () => {
    const store = await seeded();
    const orderIds = Array.from({ length: 10 }, (_, i) => `p-${i}`);
    for (const orderId of orderIds) await placeOrder(processorFor(store), { orderId, customerId: 'c-1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1 }] }, metadata);
    // one attempt each: a payment that read the merchant's stream would conflict with the others
    await Promise.all(orderIds.map((orderId) => payOrder(processorFor(store, { maxAttempts: 1 }), { orderId, amountCents: 300, paymentRef: orderId }, metadata)));
    expect(await merchantEvents(store, 'm-1')).toHaveLength(10);
    expect(await available(store, 'm-1')).toBe(3_000);
  });
});

describe('cancelOrder with merchants', () => {
  it('refunds each merchant of a paid order what it was charged', async () => {
    const store = await seeded();
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    await sendPayout(processorFor(store), { merchantId: 'm-2', payoutId: 'po-1', currency: 'EUR', amountCents: 600 }, metadata);
    const result = await cancelOrder(processorFor(store), 'o-1', 'damaged', metadata);
    expect(result.streams.map((s) => s.streamId).filter((id) => id.startsWith('merchant-'))).toEqual(['merchant-m-1', 'merchant-m-2']);
    expect(await available(store, 'm-1')).toBe(0);
    // paid out before the refund: the merchant now owes it
    expect(await available(store, 'm-2')).toBe(-600);
  });

  it('refunds nothing for an unpaid order', async () => {
    const store = await seeded();
    const result = await cancelOrder(processorFor(store), 'o-1', 'changed my mind', metadata);
    expect(result.streams.some((s) => s.streamId.startsWith('merchant-'))).toBe(false);
  });

  it('cannot cancel once shipped, so nothing is refunded', async () => {
    const store = await seeded();
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    await shipOrder(processorFor(store), { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T' }, metadata);
    await expect(cancelOrder(processorFor(store), 'o-1', 'late', metadata)).rejects.toBeInstanceOf(IllegalTransition);
    expect(await available(store, 'm-1')).toBe(800);
  });
});

describe('sendPayout', () => {
  it('sends what is available and refuses more', async () => {
    const store = await seeded();
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    await sendPayout(processorFor(store), { merchantId: 'm-1', payoutId: 'po-1', currency: 'EUR', amountCents: 500 }, metadata);
    await expect(sendPayout(processorFor(store), { merchantId: 'm-1', payoutId: 'po-2', currency: 'EUR', amountCents: 301 }, metadata)).rejects.toMatchObject({
      code: 'insufficient_balance',
      details: { availableCents: 300, requestedCents: 301 },
    });
    const retried = await sendPayout(processorFor(store), { merchantId: 'm-1', payoutId: 'po-1', currency: 'EUR', amountCents: 500 }, metadata);
    expect(retried.streams).toEqual([{ streamId: 'merchant-m-1', streamVersion: 2, position: retried.position, positions: [] }]);
    expect(await available(store, 'm-1')).toBe(300);
  });

  it('never lets concurrent payouts spend one balance twice', async () => {
    const store = await seeded();
    await payOrder(processorFor(store), { orderId: 'o-1', amountCents: 1800, paymentRef: 'p-1' }, metadata);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        sendPayout(processorFor(store, { maxAttempts: 100 }), { merchantId: 'm-2', payoutId: `po-${i}`, currency: 'EUR', amountCents: 400 }, metadata),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await available(store, 'm-2')).toBe(200);
  });
});
