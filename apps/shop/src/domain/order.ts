// The order decider: placed → paid → shipped → delivered, or cancelled before shipping.
import { CommandRejected, IllegalTransition, InvalidCommand, NotFound, streamModel, type Command, type Decider, type Event } from '@twofold/core';
import { limits } from './limits.js';
import type { OrderLine, PlaceOrderData } from './order-messages.js';
import { validPlaceOrder } from './order-validation.js';
import { requireIdentifier, requireInteger, requireText } from './validate.js';

export type { Customer, OrderLine, PlaceOrderData, ShippingAddress } from './order-messages.js';

export const orderStream = (orderId: string): string => `order-${orderId}`;
/** The order whose stream this is; undefined for another kind of stream. */
export const orderOfStream = (streamId: string): string | undefined => (streamId.startsWith('order-') ? streamId.slice('order-'.length) : undefined);

/** `paymentWindowMs` comes from the server's settings, never from a client: with it, the order records when payment is due. */
export type PlaceOrder = Command<'PlaceOrder', PlaceOrderData & { readonly paymentWindowMs?: number }>;
export type PayOrder = Command<'PayOrder', { readonly orderId: string; readonly amountCents: number; readonly paymentRef: string }>;
export type ShipOrder = Command<'ShipOrder', { readonly orderId: string; readonly carrier: string; readonly trackingNumber: string }>;
export type DeliverOrder = Command<'DeliverOrder', { readonly orderId: string }>;
export type CancelOrder = Command<'CancelOrder', { readonly orderId: string; readonly reason: string }>;
export type OrderCommand = PlaceOrder | PayOrder | ShipOrder | DeliverOrder | CancelOrder;

// times are ISO 8601 strings: event data is stored as JSON
export type OrderPlaced = Event<
  'OrderPlaced',
  PlaceOrderData & { readonly totalCents: number; readonly placedAt: string; /** Unpaid by then, the order is cancelled (paymentTimeouts). */ readonly paymentDueAt?: string }
>;
export type OrderPaid = Event<
  'OrderPaid',
  { readonly orderId: string; readonly amountCents: number; readonly currency: string; readonly paymentRef: string; readonly paidAt: string }
>;
export type OrderShipped = Event<
  'OrderShipped',
  { readonly orderId: string; readonly carrier: string; readonly trackingNumber: string; readonly shippedAt: string }
>;
export type OrderDelivered = Event<'OrderDelivered', { readonly orderId: string; readonly deliveredAt: string }>;
export type OrderCancelled = Event<
  'OrderCancelled',
  {
    readonly orderId: string;
    readonly reason: string;
    /** What was paid and is refunded: the total if paid, else 0. */
    readonly refundCents: number;
    readonly currency: string;
    /** The lines whose stock is released. */
    readonly lines: readonly OrderLine[];
    readonly cancelledAt: string;
  }
>;
export type OrderEvent = OrderPlaced | OrderPaid | OrderShipped | OrderDelivered | OrderCancelled;

export const orderEventTypes = ['OrderPlaced', 'OrderPaid', 'OrderShipped', 'OrderDelivered', 'OrderCancelled'] as const satisfies readonly OrderEvent['type'][];

export type OrderStatus = 'placed' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface ExistingOrder {
  readonly status: OrderStatus;
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly OrderLine[];
  readonly totalCents: number;
  readonly paidCents: number;
}

export type OrderState = { readonly status: 'none' } | ExistingOrder;

export const initialState: OrderState = { status: 'none' };

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, currency, lines, totalCents } = event.data;
    return { status: 'placed', orderId, customerId, currency, lines, totalCents, paidCents: 0 };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrderPaid':
      return { ...state, status: 'paid', paidCents: event.data.amountCents };
    case 'OrderShipped':
      return { ...state, status: 'shipped' };
    case 'OrderDelivered':
      return { ...state, status: 'delivered' };
    case 'OrderCancelled':
      return { ...state, status: 'cancelled' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  const now = command.metadata.now.toISOString();
  switch (command.type) {
    case 'PlaceOrder': {
      const data = validPlaceOrder(command.data);
      if (state.status !== 'none') throw new IllegalTransition('order', state.status, 'place');
      const totalCents = data.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
      // the bound of a payment too: every order placed can be paid
      if (totalCents > limits.maxAmountCents) {
        throw new InvalidCommand(`the order total of ${totalCents} cents exceeds ${limits.maxAmountCents}`, { field: 'lines' });
      }
      return [{ type: 'OrderPlaced', data: { ...data, totalCents, placedAt: now, ...paymentDue(command.metadata.now, command.data.paymentWindowMs) } }];
    }
    case 'PayOrder': {
      const { orderId, amountCents, paymentRef } = command.data;
      requireIdentifier('orderId', orderId);
      requireInteger('amountCents', amountCents, 0, limits.maxAmountCents);
      requireText('paymentRef', paymentRef, { maxLength: limits.paymentRefLength });
      const order = existing(state, orderId, 'pay', ['placed']);
      if (amountCents !== order.totalCents) {
        throw new CommandRejected('payment_amount_mismatch', `order ${orderId} totals ${order.totalCents} cents, not ${amountCents}`, {
          orderId,
          expectedCents: order.totalCents,
          amountCents,
        });
      }
      return [{ type: 'OrderPaid', data: { orderId, amountCents, currency: order.currency, paymentRef, paidAt: now } }];
    }
    case 'ShipOrder': {
      const { orderId, carrier, trackingNumber } = command.data;
      requireIdentifier('orderId', orderId);
      requireText('carrier', carrier, { maxLength: limits.carrierLength });
      requireText('trackingNumber', trackingNumber, { maxLength: limits.trackingNumberLength });
      existing(state, orderId, 'ship', ['paid']);
      return [{ type: 'OrderShipped', data: { orderId, carrier, trackingNumber, shippedAt: now } }];
    }
    case 'DeliverOrder': {
      const { orderId } = command.data;
      requireIdentifier('orderId', orderId);
      existing(state, orderId, 'deliver', ['shipped']);
      return [{ type: 'OrderDelivered', data: { orderId, deliveredAt: now } }];
    }
    case 'CancelOrder': {
      const { orderId, reason } = command.data;
      requireIdentifier('orderId', orderId);
      requireText('reason', reason, { maxLength: limits.reasonLength });
      // a payment timeout never cancels a paid order: paying and the timeout race, and exactly one of them wins
      const order = existing(state, orderId, reason === paymentTimeout ? 'cancel for payment timeout' : 'cancel', reason === paymentTimeout ? ['placed'] : ['placed', 'paid']);
      const { currency, lines, paidCents } = order;
      return [{ type: 'OrderCancelled', data: { orderId, reason, refundCents: paidCents, currency, lines, cancelledAt: now } }];
    }
    default: {
      const unknown: never = command;
      throw new InvalidCommand(`unknown order command ${(unknown as Command).type}`);
    }
  }
}

/** The reason of the cancellation the payment deadline issues; only an unpaid order can be cancelled with it. */
export const paymentTimeout = 'payment_timeout';

/** The longest payment window: a week. */
export const maxPaymentWindowMs = 7 * 24 * 60 * 60 * 1000;

function paymentDue(now: Date, windowMs: number | undefined): { paymentDueAt?: string } {
  if (windowMs === undefined) return {};
  requireInteger('paymentWindowMs', windowMs, 1, maxPaymentWindowMs);
  return { paymentDueAt: new Date(now.getTime() + windowMs).toISOString() };
}

export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent> = { initialState, evolve, decide };

/** An order's stream stays short (placed, paid, shipped, delivered): no snapshots. */
export const orderModel = streamModel('order', orderDecider);

function existing(state: OrderState, orderId: string, command: string, allowedFrom: readonly OrderStatus[]): ExistingOrder {
  if (state.status === 'none') throw new NotFound('order', orderId);
  if (!allowedFrom.includes(state.status)) throw new IllegalTransition('order', state.status, command);
  return state;
}
