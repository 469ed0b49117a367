// Cancelling an order: records OrderCancelled and releases its stock on each product stream; one atomic append.
import {
  fold,
  handleMultiStreamCommand,
  NotFound,
  type AppendResult,
  type CommandHandlerOptions,
  type CommandMetadata,
  type EventStore,
} from '@twofold/core';
import { orderDecider, orderStream, type OrderEvent } from './order.js';
import { productDecider, productStream, type ProductEvent } from './product.js';
import { eventsOf } from './stream-events.js';
import { requireIdentifier } from './validate.js';

/**
 * Throws NotFound when the order does not exist, IllegalTransition once it has shipped, been
 * delivered or been cancelled. A release already recorded is not recorded again.
 */
export async function cancelOrder(
  store: EventStore,
  orderId: string,
  reason: string,
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> {
  requireIdentifier('orderId', orderId);
  const orderStreamId = orderStream(orderId);
  const placed = fold(orderDecider, (await store.readStream(orderStreamId)) as readonly OrderEvent[]);
  if (placed.status === 'none') throw new NotFound('order', orderId);
  // an order's lines never change once placed, so this read names every product stream to load
  const productStreamIds = placed.lines.map((line) => productStream(line.sku));
  return handleMultiStreamCommand(
    store,
    [orderStreamId, ...productStreamIds],
    (streams) => {
      const order = fold(orderDecider, eventsOf<OrderEvent>(streams, orderStreamId));
      if (order.status === 'none') throw new NotFound('order', orderId);
      const cancelled = orderDecider.decide({ type: 'CancelOrder', data: { orderId, reason }, metadata }, order);
      const releases = order.lines.map(({ sku, quantity }) => {
        const streamId = productStream(sku);
        const product = fold(productDecider, eventsOf<ProductEvent>(streams, streamId));
        return { streamId, events: productDecider.decide({ type: 'ReleaseStock', data: { sku, orderId, quantity }, metadata }, product) };
      });
      return [{ streamId: orderStreamId, events: cancelled }, ...releases];
    },
    metadata,
    options,
  );
}
