// Paying an order: records OrderPaid and charges each merchant of its lines its share; one atomic append.
import { multiStreamDecider, NotFound, type AppendResult, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { merchantMovements } from './merchant.js';
import { orderDecider, orderModel, orderStream, type PayOrder } from './order.js';
import { requireIdentifier, requireObject } from './validate.js';

/**
 * Writes OrderPaid to the order stream (at the version read) and MerchantCharged to the stream of each
 * merchant with a non-zero share, blind: no merchant state can refuse a charge, so payments of
 * different orders never contend on a merchant. Refuses with NotFound for an unknown order,
 * IllegalTransition unless placed, CommandRejected `payment_amount_mismatch`.
 */
export const payOrderDecider = multiStreamDecider<PayOrder>({
  name: 'PayOrder',
  reads: ({ data }) => [{ model: orderModel, streamId: orderStream(data.orderId) }],
  decide: (command, read) => {
    const orderStreamId = orderStream(command.data.orderId);
    const order = read(orderModel, orderStreamId);
    if (order.status === 'none') throw new NotFound('order', command.data.orderId);
    const paid = orderDecider.decide(command, order);
    return [{ streamId: orderStreamId, events: paid }, ...merchantMovements('MerchantCharged', order).map((write) => ({ ...write, expectedVersion: 'any' as const }))];
  },
});

export async function payOrder(processor: CommandProcessor, data: PayOrder['data'], metadata: CommandMetadata): Promise<AppendResult> {
  requireObject('payment', data);
  requireIdentifier('orderId', data.orderId);
  return processor.execute(payOrderDecider, { type: 'PayOrder', data, metadata });
}
