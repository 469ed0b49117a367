// Single-stream order commands, handled over an event store; placing, paying and cancelling span streams (place-order.ts, pay-order.ts, cancel-order.ts).
import { handleCommand, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { orderDecider, orderStream, type DeliverOrder, type ShipOrder } from './order.js';

/** Throws NotFound for an unknown order, IllegalTransition unless paid. */
export const shipOrder = async (
  store: EventStore,
  data: ShipOrder['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> =>
  handleCommand(store, orderDecider, orderStream(data.orderId), { type: 'ShipOrder', data, metadata }, options);

/** Throws NotFound for an unknown order, IllegalTransition unless shipped. */
export const deliverOrder = async (
  store: EventStore,
  data: DeliverOrder['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> =>
  handleCommand(store, orderDecider, orderStream(data.orderId), { type: 'DeliverOrder', data, metadata }, options);
