// Placing an order: prices the lines from the products, reserves stock on each, records the order; one atomic append.
import {
  CommandRejected,
  IllegalTransition,
  InvalidCommand,
  multiStreamDecider,
  type AppendResult,
  type Command,
  type CommandMetadata,
  type CommandProcessor,
  type StreamWrite,
} from '@twofold/core';
import { limits } from './limits.js';
import type { Customer, OrderLine, ShippingAddress } from './order-messages.js';
import { orderDecider, orderModel, orderStream } from './order.js';
import { productDecider, productModel, productStream } from './product.js';
import { requireArray, requireIdentifier, requireInteger, requireObject } from './validate.js';

export interface PlaceOrderLineInput {
  readonly sku: string;
  readonly quantity: number;
}

/** An order as a client asks for it: lines name only sku and quantity; prices come from the products. */
export interface PlaceOrderInput {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly PlaceOrderLineInput[];
  readonly customer?: Customer;
  readonly shippingAddress?: ShippingAddress;
  /** Set by the server from its payment window, never taken from a client: the order is cancelled if unpaid by then. */
  readonly paymentWindowMs?: number;
}

/** The request as decided: its lines merged per sku (mergeLines), everything else as asked. */
export type PlaceOrderRequest = Command<'PlaceOrder', PlaceOrderInput>;

/**
 * Writes OrderPlaced to the order stream and StockReserved to each product stream. Refuses with
 * IllegalTransition if the order exists; CommandRejected `unknown_product`, `currency_mismatch` or
 * `insufficient_stock` (details: sku, requested, available); InvalidCommand for a malformed header
 * (the order decider's rules) or a total above what can be paid.
 */
export const placeOrderDecider = multiStreamDecider<PlaceOrderRequest>({
  name: 'PlaceOrder',
  reads: ({ data }) => [
    { model: orderModel, streamId: orderStream(data.orderId), creates: true },
    ...data.lines.map(({ sku }) => ({ model: productModel, streamId: productStream(sku) })),
  ],
  decide: ({ data, metadata }, read) => {
    const orderStreamId = orderStream(data.orderId);
    const order = read(orderModel, orderStreamId);
    if (order.status !== 'none') throw new IllegalTransition('order', order.status, 'place');
    const products = data.lines.map(({ sku, quantity }) => {
      const product = read(productModel, productStream(sku));
      if (product.status !== 'listed') throw new CommandRejected('unknown_product', `product ${sku} does not exist`, { sku });
      return { product, quantity };
    });
    const priced: OrderLine[] = products.map(({ product, quantity }) => ({
      sku: product.sku,
      name: product.name,
      quantity,
      unitPriceCents: product.priceCents,
      merchantId: product.merchantId,
    }));
    const { orderId, lines: _requested, ...header } = data;
    const placed = orderDecider.decide({ type: 'PlaceOrder', data: { orderId, ...header, lines: priced }, metadata }, order);
    const reservations: StreamWrite[] = products.map(({ product, quantity }) => {
      const { sku } = product;
      if (product.currency !== data.currency) {
        throw new CommandRejected('currency_mismatch', `product ${sku} is sold in ${product.currency}, not ${data.currency}`, {
          sku,
          productCurrency: product.currency,
          orderCurrency: data.currency,
        });
      }
      return { streamId: productStream(sku), events: productDecider.decide({ type: 'ReserveStock', data: { sku, orderId, quantity }, metadata }, product) };
    });
    return [{ streamId: orderStreamId, events: placed }, ...reservations];
  },
});

/** Validates the request's lines (the rest is the order decider's to check), then places the order. */
export async function placeOrder(processor: CommandProcessor, input: PlaceOrderInput, metadata: CommandMetadata): Promise<AppendResult> {
  requireObject('order', input);
  requireIdentifier('orderId', input.orderId);
  return processor.execute(placeOrderDecider, { type: 'PlaceOrder', data: { ...input, lines: mergeLines(input.lines) }, metadata });
}

/** Validates the requested lines and merges those naming the same sku, keeping first-seen order. */
export function mergeLines(lines: unknown): PlaceOrderLineInput[] {
  requireArray('lines', lines, 1, limits.maxOrderLines);
  const merged = new Map<string, number>();
  lines.forEach((line, index) => {
    requireObject(`lines[${index}]`, line);
    const { sku, quantity } = line;
    requireIdentifier(`lines[${index}].sku`, sku);
    requireInteger(`lines[${index}].quantity`, quantity, 1, limits.maxLineQuantity);
    merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  });
  return [...merged].map(([sku, quantity]) => {
    if (quantity > limits.maxLineQuantity) throw new InvalidCommand(`lines of ${sku} add up to more than ${limits.maxLineQuantity}`, { field: 'lines' });
    return { sku, quantity };
  });
}
