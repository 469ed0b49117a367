// The paymentTimeouts process manager: an order not paid by its paymentDueAt is cancelled, releasing its stock.
import { cancel, schedule, type ProcessManager } from '@twofold/core';
import { maxPaymentWindowMs, paymentTimeout, type CancelOrder, type OrderCancelled, type OrderPaid, type OrderPlaced } from '../domain/order.js';

export type PaymentTimeoutEvent = OrderPlaced | OrderPaid | OrderCancelled;

/** One order's part of the process: waiting for payment until `dueAt`, or settled (paid or cancelled). */
export type PaymentTimeoutState = { readonly status: 'none' | 'settled' } | { readonly status: 'awaiting_payment'; readonly dueAt: string };

/** Default window between placing an order and its payment: 30 minutes. */
export const defaultPaymentWindowMs = 30 * 60 * 1000;

export const paymentDeadline = 'payment';

/** The window a server is configured with, checked when it starts (not at the first order). */
export function validPaymentWindowMs(windowMs: number): number {
  if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > maxPaymentWindowMs) {
    throw new RangeError(`the payment window must be a whole number of ms from 1 to ${maxPaymentWindowMs}, not ${windowMs}`);
  }
  return windowMs;
}

const timeoutCancellation = (orderId: string): Pick<CancelOrder, 'type' | 'data'> => ({ type: 'CancelOrder', data: { orderId, reason: paymentTimeout } });

/**
 * Placing an order with a payment due date schedules its cancellation for then; paying or cancelling it first
 * cancels that deadline. Should payment and deadline race, the order decider lets exactly one win: it refuses
 * to pay a cancelled order and to cancel a paid one for a payment timeout.
 */
export const paymentTimeouts: ProcessManager<PaymentTimeoutState, PaymentTimeoutEvent> = {
  name: 'paymentTimeouts',
  handles: ['OrderPlaced', 'OrderPaid', 'OrderCancelled'],
  instanceOf: (event) => event.data.orderId,
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'OrderPlaced':
        return event.data.paymentDueAt === undefined ? { status: 'settled' } : { status: 'awaiting_payment', dueAt: event.data.paymentDueAt };
      case 'OrderPaid':
      case 'OrderCancelled':
        return { status: 'settled' };
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
  react(state, event) {
    if (event.type === 'OrderPlaced') {
      const { paymentDueAt, orderId } = event.data;
      return state.status === 'none' && paymentDueAt !== undefined ? [schedule(paymentDeadline, new Date(paymentDueAt), timeoutCancellation(orderId))] : [];
    }
    return state.status === 'awaiting_payment' ? [cancel(paymentDeadline)] : [];
  },
};
