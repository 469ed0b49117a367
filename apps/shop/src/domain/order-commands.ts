// Single-stream order commands, handled over an event store; placing and cancelling span streams (place-order.ts, cancel-order.ts).
import { handleCommand, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { orderDecider, orderStream, type DeliverOrder, type PayOrder, type ShipOrder } from './order.js';

/** Throws NotFound for an unknown order, IllegalTransition unless placed, CommandRejected `payment_amount_mismatch`. */
export const payOrder = async (
  store: EventStore,
  data: PayOrder['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> =>
  handleCommand(store, orderDecider, orderStream(data.orderId), { type: 'PayOrder', data, metadata }, options);

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
