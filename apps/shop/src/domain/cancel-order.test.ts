import { IllegalTransition, NotFound } from '@twofold/core';
import { multiStreamDeciderSpecification } from '@twofold/testing';
import { describe, it } from 'vitest';
import { cancelOrderDecider } from './cancel-order.js';
import type { OrderEvent } from './order.js';
import type { OrderLine } from './order-messages.js';
import type { ProductEvent } from './product.js';

const now = new Date('2025-03-01T12:00:00.000Z');
const metadata = { now, correlationId: 'c-1' };
const lines: OrderLine[] = [
  { sku: 'A', name: 'A', quantity: 2, unitPriceCents: 300, merchantId: 'm-1' },
  { sku: 'B', name: 'B', quantity: 1, unitPriceCents: 1000, merchantId: 'm-2' },
];
const placed: OrderEvent = { type: 'OrderPlaced', data: { orderId: 'o-1', customerId: 'c-1', currency: 'EUR', lines, totalCents: 1600, placedAt: now.toISOString() } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: 1600, currency: 'EUR', paymentRef: 'p', paidAt: now.toISOString() } };
const added = (sku: string): ProductEvent => ({
  type: 'ProductAdded',
  data: { sku, name: sku, description: '', category: 'c', priceCents: 1, currency: 'EUR', merchantId: 'm', stock: 5 },
});
const reserved = (sku: string, quantity: number): ProductEvent => ({ type: 'StockReserved', data: { sku, orderId: 'o-1', quantity } });
const products = { 'product-A': [added('A'), reserved('A', 2)], 'product-B': [added('B'), reserved('B', 1)] };
const cancel = { type: 'CancelOrder' as const, data: { orderId: 'o-1', reason: 'no longer needed' }, metadata };
const cancelled = (refundCents: number): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId: 'o-1', reason: 'no longer needed', refundCents, currency: 'EUR', lines, cancelledAt: now.toISOString() },
});
const spec = multiStreamDeciderSpecification(cancelOrderDecider);

describe('cancelOrderDecider', () => {
  it('cancels a placed order and releases each line on its product', () =>
    spec
      .given({ 'order-o-1': [placed], ...products })
      .when(cancel)
      .then({
        'order-o-1': [cancelled(0)],
        'product-A': [{ type: 'StockReleased', data: { sku: 'A', orderId: 'o-1', quantity: 2 } }],
        'product-B': [{ type: 'StockReleased', data: { sku: 'B', orderId: 'o-1', quantity: 1 } }],
      }));

  it('refunds each merchant of a paid order, blind', () =>
    spec
      .given({ 'order-o-1': [placed, paid], ...products })
      .when(cancel)
      .then({
        'order-o-1': [cancelled(1600)],
        'product-A': [{ type: 'StockReleased', data: { sku: 'A', orderId: 'o-1', quantity: 2 } }],
        'product-B': [{ type: 'StockReleased', data: { sku: 'B', orderId: 'o-1', quantity: 1 } }],
        'merchant-m-1': { any: [{ type: 'MerchantRefunded', data: { merchantId: 'm-1', orderId: 'o-1', currency: 'EUR', amountCents: 600 } }] },
        'merchant-m-2': { any: [{ type: 'MerchantRefunded', data: { merchantId: 'm-2', orderId: 'o-1', currency: 'EUR', amountCents: 1000 } }] },
      }));

  it('releases an order’s stock once: a cancelled order cannot be cancelled again', () =>
    spec
      .given({ 'order-o-1': [placed, cancelled(0)], ...products })
      .when(cancel)
      .thenThrows(IllegalTransition, (e) => e.from === 'cancelled'));

  it('does not find an order that was never placed', () => spec.given(products).when(cancel).thenThrows(NotFound));
});
