// paymentTimeouts given/when/then, and the order decider's side of the race: a payment timeout never cancels a paid order.
import { cancel, IllegalTransition, schedule } from '@twofold/core';
import { deciderSpecification, processManagerSpecification } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import { orderDecider, type OrderEvent } from '../domain/order.js';
import { paymentTimeouts, validPaymentWindowMs } from './payment-timeouts.js';

const line = { sku: 'S-1', name: 'Socks', quantity: 2, unitPriceCents: 500, merchantId: 'm-1' };
const placed = (paymentDueAt?: string): OrderEvent => ({
  type: 'OrderPlaced',
  data: { orderId: 'o-1', customerId: 'c-1', currency: 'EUR', lines: [line], totalCents: 1000, placedAt: '2026-01-01T00:00:00.000Z', ...(paymentDueAt === undefined ? {} : { paymentDueAt }) },
});
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: 1000, currency: 'EUR', paymentRef: 'p', paidAt: '2026-01-01T00:10:00.000Z' } };
const cancelled: OrderEvent = {
  type: 'OrderCancelled',
  data: { orderId: 'o-1', reason: 'customer', refundCents: 0, currency: 'EUR', lines: [line], cancelledAt: '2026-01-01T00:10:00.000Z' },
};
const timeout = { type: 'CancelOrder', data: { orderId: 'o-1', reason: 'payment_timeout' } };
const spec = processManagerSpecification(paymentTimeouts);
const dueAt = '2026-01-01T00:30:00.000Z';

describe('paymentTimeouts', () => {
  it('schedules the cancellation at the payment due date when an order is placed', () => {
    spec.given([]).when(placed(dueAt)).then([schedule('payment', new Date(dueAt), timeout)]);
  });
  it('schedules nothing for an order placed without a payment window', () => {
    spec.given([]).when(placed()).thenNothing();
  });
  it('cancels the deadline when the order is paid', () => {
    spec.given([placed(dueAt)]).when(paid).then([cancel('payment')]);
  });
  it('cancels the deadline when the order is cancelled otherwise', () => {
    spec.given([placed(dueAt)]).when(cancelled).then([cancel('payment')]);
  });
  it('does nothing more once settled', () => {
    spec.given([placed(dueAt), paid]).when(cancelled).thenNothing();
    spec.given([placed(dueAt), paid]).when(cancelled).thenState({ status: 'settled' });
  });
  it('takes a server window of 1 ms to a week, and refuses any other when the server starts', () => {
    expect(validPaymentWindowMs(300)).toBe(300);
    for (const bad of [0, -1, 1.5, 8 * 24 * 3600 * 1000, Number.NaN]) expect(() => validPaymentWindowMs(bad)).toThrow(/payment window/);
  });
  it('keeps the due date while it waits', () => {
    spec.given([]).when(placed(dueAt)).thenState({ status: 'awaiting_payment', dueAt });
  });
});

describe('the order decider in the race of payment and timeout', () => {
  const orders = deciderSpecification(orderDecider);
  const metadata = { now: new Date('2026-01-01T00:31:00.000Z'), correlationId: 'x' };
  it('refuses a payment-timeout cancellation of a paid order', () => {
    orders.given([placed(dueAt), paid]).when({ type: 'CancelOrder', data: { orderId: 'o-1', reason: 'payment_timeout' }, metadata }).thenThrows(IllegalTransition);
  });
  it('still lets a paid order be cancelled for another reason (refunded)', () => {
    orders
      .given([placed(dueAt), paid])
      .when({ type: 'CancelOrder', data: { orderId: 'o-1', reason: 'customer' }, metadata })
      .then([{ type: 'OrderCancelled', data: { orderId: 'o-1', reason: 'customer', refundCents: 1000, currency: 'EUR', lines: [line], cancelledAt: metadata.now.toISOString() } }]);
  });
  it('refuses to pay an order its timeout cancelled', () => {
    const timedOut: OrderEvent = { ...cancelled, data: { ...cancelled.data, reason: 'payment_timeout' } };
    orders.given([placed(dueAt), timedOut]).when({ type: 'PayOrder', data: { orderId: 'o-1', amountCents: 1000, paymentRef: 'late' }, metadata }).thenThrows(IllegalTransition);
  });
  it('records the payment due date from the window it is placed with', () => {
    const { placedAt: _placedAt, totalCents: _total, ...data } = placed().data as Extract<OrderEvent, { type: 'OrderPlaced' }>['data'];
    orders
      .given([])
      .when({ type: 'PlaceOrder', data: { ...data, paymentWindowMs: 60_000 }, metadata })
      .then([{ type: 'OrderPlaced', data: { ...data, totalCents: 1000, placedAt: metadata.now.toISOString(), paymentDueAt: '2026-01-01T00:32:00.000Z' } }]);
  });
});
