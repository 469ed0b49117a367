// Cancelling an order: records OrderCancelled, releases its stock on each product stream and, if it was paid, refunds each merchant; one atomic append.
import { multiStreamDecider, NotFound, type AppendResult, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { merchantMovements } from './merchant.js';
import { orderDecider, orderModel, orderStream, type CancelOrder } from './order.js';
import { productDecider, productModel, productStream } from './product.js';
import { requireIdentifier } from './validate.js';

/**
 * Refuses with NotFound when the order does not exist, IllegalTransition once it has shipped, been
 * delivered or been cancelled: so each line's stock is released exactly once. A paid order refunds each
 * merchant exactly what paying it charged, written blind to the merchant streams. The product streams
 * are found from the order's lines when it is read.
 */
export const cancelOrderDecider = multiStreamDecider<CancelOrder>({
  name: 'CancelOrder',
  reads: ({ data }) => [{ model: orderModel, streamId: orderStream(data.orderId) }],
  decide: (command, read) => {
    const { orderId } = command.data;
    const order = read(orderModel, orderStream(orderId));
    if (order.status === 'none') throw new NotFound('order', orderId);
    const cancelled = orderDecider.decide(command, order);
    const releases = order.lines.map(({ sku, quantity }) => {
      const streamId = productStream(sku);
      const release = { type: 'ReleaseStock' as const, data: { sku, orderId, quantity }, metadata: command.metadata };
      return { streamId, events: productDecider.decide(release, read(productModel, streamId)) };
    });
    const refunds = order.status === 'paid' ? merchantMovements('MerchantRefunded', order) : [];
    return [{ streamId: orderStream(orderId), events: cancelled }, ...releases, ...refunds.map((write) => ({ ...write, expectedVersion: 'any' as const }))];
  },
});

export async function cancelOrder(processor: CommandProcessor, orderId: string, reason: string, metadata: CommandMetadata): Promise<AppendResult> {
  requireIdentifier('orderId', orderId);
  return processor.execute(cancelOrderDecider, { type: 'CancelOrder', data: { orderId, reason }, metadata });
}
