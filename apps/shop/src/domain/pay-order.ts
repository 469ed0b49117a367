// Paying an order: records OrderPaid and charges each merchant of its lines its share; one atomic append.
import { fold, NotFound, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { merchantMovements } from './merchant.js';
import { handleDecision } from './multi-stream-decision.js';
import { orderDecider, orderStream, type OrderEvent, type PayOrder } from './order.js';
import { eventsOf } from './stream-events.js';
import { requireIdentifier, requireObject } from './validate.js';

/**
 * Appends OrderPaid to the order stream (at the version decided on) and MerchantCharged to the
 * stream of each merchant with a non-zero share, all or nothing: a payment and the charges it causes
 * are never seen apart. Merchant streams are appended without being read, so payments of different
 * orders never contend. Throws NotFound for an unknown order, IllegalTransition unless placed,
 * CommandRejected `payment_amount_mismatch`. Of concurrent payments of one order one wins; the
 * others meet it on retry (IllegalTransition).
 */
export async function payOrder(
  store: EventStore,
  data: PayOrder['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> {
  requireObject('payment', data);
  const { orderId } = data;
  requireIdentifier('orderId', orderId);
  const orderStreamId = orderStream(orderId);
  return handleDecision(
    store,
    [orderStreamId],
    (streams) => {
      const order = fold(orderDecider, eventsOf<OrderEvent>(streams, orderStreamId));
      if (order.status === 'none') throw new NotFound('order', orderId);
      const paid = orderDecider.decide({ type: 'PayOrder', data, metadata }, order);
      return { checked: [{ streamId: orderStreamId, events: paid }], unchecked: merchantMovements('MerchantCharged', order) };
    },
    metadata,
    options,
  );
}
