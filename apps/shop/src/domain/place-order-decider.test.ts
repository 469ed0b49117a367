import { CommandRejected, IllegalTransition, InvalidCommand } from '@twofold/core';
import { multiStreamDeciderSpecification } from '@twofold/testing';
import { describe, it } from 'vitest';
import { limits } from './limits.js';
import type { OrderEvent } from './order.js';
import { placeOrderDecider, type PlaceOrderRequest } from './place-order.js';
import type { ProductEvent } from './product.js';

const now = new Date('2025-03-01T12:00:00.000Z');
const metadata = { now, correlationId: 'c-1' };
const added = (sku: string, stock: number, priceCents = 250, currency = 'EUR'): ProductEvent => ({
  type: 'ProductAdded',
  data: { sku, name: `Item ${sku}`, description: '', category: 'c', priceCents, currency, merchantId: `m-${sku}`, stock },
});
const request = (lines: { sku: string; quantity: number }[], data: Partial<PlaceOrderRequest['data']> = {}): PlaceOrderRequest => ({
  type: 'PlaceOrder',
  data: { orderId: 'o-1', customerId: 'c-1', currency: 'EUR', lines, ...data },
  metadata,
});
const spec = multiStreamDeciderSpecification(placeOrderDecider);

describe('placeOrderDecider', () => {
  it('prices the lines from the products, reserves each and records the order', () =>
    spec
      .given({ 'product-A': [added('A', 5)], 'product-B': [added('B', 1, 1000)] })
      .when(request([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }]))
      .then({
        'order-o-1': [
          {
            type: 'OrderPlaced',
            data: {
              orderId: 'o-1',
              customerId: 'c-1',
              currency: 'EUR',
              lines: [
                { sku: 'A', name: 'Item A', quantity: 2, unitPriceCents: 250, merchantId: 'm-A' },
                { sku: 'B', name: 'Item B', quantity: 1, unitPriceCents: 1000, merchantId: 'm-B' },
              ],
              totalCents: 1500,
              placedAt: now.toISOString(),
            },
          } satisfies OrderEvent,
        ],
        'product-A': [{ type: 'StockReserved', data: { sku: 'A', orderId: 'o-1', quantity: 2 } }],
        'product-B': [{ type: 'StockReserved', data: { sku: 'B', orderId: 'o-1', quantity: 1 } }],
      }));

  it('refuses an unknown product', () =>
    spec.given({}).when(request([{ sku: 'X', quantity: 1 }])).thenThrows(CommandRejected, (e) => e.code === 'unknown_product' && e.details.sku === 'X'));

  it('refuses a product sold in another currency', () =>
    spec
      .given({ 'product-A': [added('A', 5, 100, 'USD')] })
      .when(request([{ sku: 'A', quantity: 1 }]))
      .thenThrows(CommandRejected, (e) => e.code === 'currency_mismatch'));

  it('refuses more than is available on any line, naming it', () =>
    spec
      .given({ 'product-A': [added('A', 5)], 'product-B': [added('B', 1)] })
      .when(request([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }]))
      .thenThrows(CommandRejected, (e) => e.code === 'insufficient_stock' && e.details.sku === 'B' && e.details.available === 1));

  it('refuses an order id that exists: an order reserves a product once', () =>
    spec
      .given({
        'product-A': [added('A', 5), { type: 'StockReserved', data: { sku: 'A', orderId: 'o-1', quantity: 1 } }],
        'order-o-1': [{ type: 'OrderPlaced', data: { orderId: 'o-1', customerId: 'c', currency: 'EUR', lines: [], totalCents: 0, placedAt: '' } }],
      })
      .when(request([{ sku: 'A', quantity: 1 }]))
      .thenThrows(IllegalTransition, (e) => e.from === 'placed'));

  it('refuses an order whose total could never be paid', () =>
    spec
      .given({ 'product-A': [added('A', limits.maxLineQuantity, limits.maxAmountCents)] })
      .when(request([{ sku: 'A', quantity: 2 }]))
      .thenThrows(InvalidCommand, (e) => e.details.field === 'lines'));
});
