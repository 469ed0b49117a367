// The order decider: placed → paid → shipped → delivered, or cancelled before shipping.
import { CommandRejected, IllegalTransition, InvalidCommand, NotFound, type Command, type Decider, type Event } from '@twofold/core';
import { validPlaceOrder } from './order-validation.js';
import { requireIdentifier, requireInteger, requireText } from './validate.js';

export const orderStream = (orderId: string): string => `order-${orderId}`;

/** A line priced from the product's state when the order was placed. */
export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
  readonly merchantId: string;
}

export interface Customer {
  readonly name: string;
  readonly email: string;
}

export interface ShippingAddress {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly region?: string;
  readonly postalCode: string;
  /** ISO 3166-1 alpha-2, e.g. `DE`. */
  readonly country: string;
}

export interface PlaceOrderData {
  readonly orderId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly lines: readonly OrderLine[];
  readonly customer?: Customer;
  readonly shippingAddress?: ShippingAddress;
}

export type PlaceOrder = Command<'PlaceOrder', PlaceOrderData>;
export type PayOrder = Command<'PayOrder', { readonly orderId: string; readonly amountCents: number; readonly paymentRef: string }>;
export type ShipOrder = Command<'ShipOrder', { readonly orderId: string; readonly carrier: string; readonly trackingNumber: string }>;
export type DeliverOrder = Command<'DeliverOrder', { readonly orderId: string }>;
export type CancelOrder = Command<'CancelOrder', { readonly orderId: string; readonly reason: string }>;
export type OrderCommand = PlaceOrder | PayOrder | ShipOrder | DeliverOrder | CancelOrder;

// times are ISO 8601 strings: event data is stored as JSON
export type OrderPlaced = Event<'OrderPlaced', PlaceOrderData & { readonly totalCents: number; readonly placedAt: string }>;
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
      if (!Number.isSafeInteger(totalCents)) throw new InvalidCommand('the order total is too large', { field: 'lines' });
      return [{ type: 'OrderPlaced', data: { ...data, totalCents, placedAt: now } }];
    }
    case 'PayOrder': {
      const { orderId, amountCents, paymentRef } = command.data;
      requireIdentifier('orderId', orderId);
      requireInteger('amountCents', amountCents, 0, Number.MAX_SAFE_INTEGER);
      requireText('paymentRef', paymentRef);
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
      requireText('carrier', carrier, { maxLength: 100 });
      requireText('trackingNumber', trackingNumber, { maxLength: 100 });
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
      requireText('reason', reason, { maxLength: 500 });
      const order = existing(state, orderId, 'cancel', ['placed', 'paid']);
      const { currency, lines, paidCents } = order;
      return [{ type: 'OrderCancelled', data: { orderId, reason, refundCents: paidCents, currency, lines, cancelledAt: now } }];
    }
    default: {
      const unknown: never = command;
      throw new InvalidCommand(`unknown order command ${(unknown as Command).type}`);
    }
  }
}

export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent> = { initialState, evolve, decide };

function existing(state: OrderState, orderId: string, command: string, allowedFrom: readonly OrderStatus[]): ExistingOrder {
  if (state.status === 'none') throw new NotFound('order', orderId);
  if (!allowedFrom.includes(state.status)) throw new IllegalTransition('order', state.status, command);
  return state;
}
