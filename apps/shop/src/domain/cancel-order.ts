// Cancelling an order: records OrderCancelled, releases its stock on each product stream and, if it was paid, refunds each merchant; one atomic append.
import { fold, NotFound, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { merchantMovements } from './merchant.js';
import { handleDecision } from './multi-stream-decision.js';
import { orderDecider, orderStream, type OrderEvent } from './order.js';
import { productDecider, productStream, type ProductEvent } from './product.js';
import { eventsOf } from './stream-events.js';
import { requireIdentifier } from './validate.js';

/**
 * Throws NotFound when the order does not exist, IllegalTransition once it has shipped, been
 * delivered or been cancelled. A release already recorded is not recorded again. A paid order
 * refunds each merchant exactly what paying it charged (its share of the lines), appended to the
 * merchant streams without reading them.
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
  return handleDecision(
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
      return {
        checked: [{ streamId: orderStreamId, events: cancelled }, ...releases],
        unchecked: order.status === 'paid' ? merchantMovements('MerchantRefunded', order) : [],
      };
    },
    metadata,
    options,
  );
}
