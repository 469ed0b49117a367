// Single-stream order commands; placing, paying and cancelling span streams (place-order.ts, pay-order.ts, cancel-order.ts).
import { singleStreamDecider, type AppendResult, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { orderDecider, orderModel, orderStream, type DeliverOrder, type ShipOrder } from './order.js';

const shipOrderDecider = singleStreamDecider('ShipOrder', orderModel, (c: ShipOrder) => orderStream(c.data.orderId), orderDecider.decide);
const deliverOrderDecider = singleStreamDecider('DeliverOrder', orderModel, (c: DeliverOrder) => orderStream(c.data.orderId), orderDecider.decide);

/** Throws NotFound for an unknown order, IllegalTransition unless paid. */
export const shipOrder = (processor: CommandProcessor, data: ShipOrder['data'], metadata: CommandMetadata): Promise<AppendResult> =>
  processor.execute(shipOrderDecider, { type: 'ShipOrder', data, metadata });

/** Throws NotFound for an unknown order, IllegalTransition unless shipped. */
export const deliverOrder = (processor: CommandProcessor, data: DeliverOrder['data'], metadata: CommandMetadata): Promise<AppendResult> =>
  processor.execute(deliverOrderDecider, { type: 'DeliverOrder', data, metadata });
