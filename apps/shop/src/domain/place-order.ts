// Placing an order: prices the lines from the products, reserves stock on each, records the order; one atomic append.
import {
  CommandRejected,
  fold,
  handleMultiStreamCommand,
  IllegalTransition,
  InvalidCommand,
  type AppendResult,
  type CommandHandlerOptions,
  type CommandMetadata,
  type EventStore,
  type StreamWrite,
} from '@twofold/core';
import { orderDecider, orderStream, type Customer, type OrderEvent, type OrderLine, type ShippingAddress } from './order.js';
import { maxOrderLines, validOrderHeader } from './order-validation.js';
import { maxQuantity, productDecider, productStream, type ProductEvent } from './product.js';
import { eventsOf } from './stream-events.js';
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
}

/**
 * Records OrderPlaced on the order stream and StockReserved on each product stream, all or nothing.
 * Throws IllegalTransition if the order id exists; CommandRejected `unknown_product`,
 * `currency_mismatch` or `insufficient_stock` (details: sku, requested, available); InvalidCommand
 * for malformed input. Version conflicts with concurrent orders are retried by the handler.
 */
export async function placeOrder(
  store: EventStore,
  input: PlaceOrderInput,
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> {
  requireObject('order', input);
  const header = validOrderHeader(input);
  const { orderId, currency } = header;
  const lines = mergeLines(input.lines);
  const orderStreamId = orderStream(orderId);
  return handleMultiStreamCommand(
    store,
    [orderStreamId, ...lines.map((line) => productStream(line.sku))],
    (streams) => {
      const order = fold(orderDecider, eventsOf<OrderEvent>(streams, orderStreamId));
      if (order.status !== 'none') throw new IllegalTransition('order', order.status, 'place');
      const priced: OrderLine[] = [];
      const reservations: StreamWrite[] = [];
      for (const { sku, quantity } of lines) {
        const streamId = productStream(sku);
        const product = fold(productDecider, eventsOf<ProductEvent>(streams, streamId));
        if (product.status !== 'listed') throw new CommandRejected('unknown_product', `product ${sku} does not exist`, { sku });
        if (product.currency !== currency) {
          throw new CommandRejected('currency_mismatch', `product ${sku} is sold in ${product.currency}, not ${currency}`, {
            sku,
            productCurrency: product.currency,
            orderCurrency: currency,
          });
        }
        const reserved = productDecider.decide({ type: 'ReserveStock', data: { sku, orderId, quantity }, metadata }, product);
        reservations.push({ streamId, events: reserved });
        priced.push({ sku, name: product.name, quantity, unitPriceCents: product.priceCents, merchantId: product.merchantId });
      }
      const placed = orderDecider.decide({ type: 'PlaceOrder', data: { ...header, lines: priced }, metadata }, order);
      return [{ streamId: orderStreamId, events: placed }, ...reservations];
    },
    metadata,
    options,
  );
}

/** Validates the requested lines and merges those naming the same sku, keeping first-seen order. */
export function mergeLines(lines: unknown): PlaceOrderLineInput[] {
  requireArray('lines', lines, 1, maxOrderLines);
  const merged = new Map<string, number>();
  lines.forEach((line, index) => {
    requireObject(`lines[${index}]`, line);
    const { sku, quantity } = line;
    requireIdentifier(`lines[${index}].sku`, sku, 64);
    requireInteger(`lines[${index}].quantity`, quantity, 1, maxQuantity);
    merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  });
  return [...merged].map(([sku, quantity]) => {
    if (quantity > maxQuantity) throw new InvalidCommand(`lines of ${sku} add up to more than ${maxQuantity}`, { field: 'lines' });
    return { sku, quantity };
  });
}
