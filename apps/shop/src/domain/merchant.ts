// The merchant decider: what a merchant is owed per currency (charges on payment, refunds on cancel) and the payouts sent.
import { CommandRejected, InvalidCommand, streamModel, type Command, type Decider, type Event, type StreamWrite } from '@twofold/core';
import { limits } from './limits.js';
import type { OrderLine } from './order-messages.js';
import { requireCurrency, requireIdentifier, requireInteger } from './validate.js';

export const merchantStream = (merchantId: string): string => `merchant-${merchantId}`;

/** A charge or refund: a merchant's share of one order. */
export interface MerchantMovement {
  readonly merchantId: string;
  readonly orderId: string;
  readonly currency: string;
  readonly amountCents: number;
}

export interface PayoutData {
  readonly merchantId: string;
  /** Chosen by the caller, so a retried payout is recognised and not sent twice. */
  readonly payoutId: string;
  readonly currency: string;
  readonly amountCents: number;
}

export type SendPayout = Command<'SendPayout', PayoutData>;
/** Charges and refunds are not commands to a merchant: they follow from an order's payment and cancellation (merchantMovements). */
export type MerchantCommand = SendPayout;

export type MerchantCharged = Event<'MerchantCharged', MerchantMovement>;
export type MerchantRefunded = Event<'MerchantRefunded', MerchantMovement>;
export type PayoutSent = Event<'PayoutSent', PayoutData>;
export type MerchantEvent = MerchantCharged | MerchantRefunded | PayoutSent;

export const merchantEventTypes = ['MerchantCharged', 'MerchantRefunded', 'PayoutSent'] as const satisfies readonly MerchantEvent['type'][];

export interface CurrencyBalance {
  readonly chargesCents: number;
  readonly refundsCents: number;
  readonly payoutsCents: number;
}

/** Payouts as a persistent list, newest first: evolve adds one entry and shares the rest. */
export interface PayoutEntry extends Omit<PayoutData, 'merchantId'> {
  readonly previous: PayoutEntry | undefined;
}

export interface MerchantState {
  /** Per currency; a currency appears once money moved in it. */
  readonly balances: ReadonlyMap<string, CurrencyBalance>;
  readonly payouts: PayoutEntry | undefined;
}

export const initialState: MerchantState = { balances: new Map(), payouts: undefined };

const noBalance: CurrencyBalance = { chargesCents: 0, refundsCents: 0, payoutsCents: 0 };

/** What may still be paid out: charges − refunds − payouts. Negative when a refund came after a payout. */
export const availableCents = (balance: CurrencyBalance): number => balance.chargesCents - balance.refundsCents - balance.payoutsCents;

export const balanceIn = (state: MerchantState, currency: string): CurrencyBalance => state.balances.get(currency) ?? noBalance;

export function payoutOf(state: MerchantState, payoutId: string): PayoutEntry | undefined {
  for (let entry = state.payouts; entry !== undefined; entry = entry.previous) if (entry.payoutId === payoutId) return entry;
  return undefined;
}

/** The amount each merchant of an order is owed: the sum of its lines, merchants in first-seen order. */
export function amountsByMerchant(lines: readonly OrderLine[]): { readonly merchantId: string; readonly amountCents: number }[] {
  const amounts = new Map<string, number>();
  for (const { merchantId, quantity, unitPriceCents } of lines) amounts.set(merchantId, (amounts.get(merchantId) ?? 0) + quantity * unitPriceCents);
  return [...amounts].map(([merchantId, amountCents]) => ({ merchantId, amountCents }));
}

/**
 * What paying (MerchantCharged) or refunding (MerchantRefunded) an order records on each merchant's
 * stream: the merchant's share of the lines, for every merchant with a non-zero share. No merchant
 * state can refuse them (a refund may take a balance below zero, where a payout came first), so
 * they are decided from the order alone and appended without reading the merchant's stream.
 */
export function merchantMovements(
  type: 'MerchantCharged' | 'MerchantRefunded',
  order: { readonly orderId: string; readonly currency: string; readonly lines: readonly OrderLine[] },
): StreamWrite[] {
  const { orderId, currency, lines } = order;
  return amountsByMerchant(lines)
    .filter(({ amountCents }) => amountCents > 0)
    .map(({ merchantId, amountCents }) => ({ streamId: merchantStream(merchantId), events: [{ type, data: { merchantId, orderId, currency, amountCents } }] }));
}

function withBalance(state: MerchantState, currency: string, change: (balance: CurrencyBalance) => CurrencyBalance): MerchantState {
  const balances = new Map(state.balances);
  balances.set(currency, change(balanceIn(state, currency)));
  return { ...state, balances };
}

export function evolve(state: MerchantState, event: MerchantEvent): MerchantState {
  const { currency, amountCents } = event.data;
  switch (event.type) {
    case 'MerchantCharged':
      return withBalance(state, currency, (b) => ({ ...b, chargesCents: b.chargesCents + amountCents }));
    case 'MerchantRefunded':
      return withBalance(state, currency, (b) => ({ ...b, refundsCents: b.refundsCents + amountCents }));
    case 'PayoutSent': {
      const { payoutId } = event.data;
      const paid = withBalance(state, currency, (b) => ({ ...b, payoutsCents: b.payoutsCents + amountCents }));
      return { ...paid, payouts: { payoutId, currency, amountCents, previous: state.payouts } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decide(command: MerchantCommand, state: MerchantState): MerchantEvent[] {
  switch (command.type) {
    case 'SendPayout': {
      const { merchantId, payoutId, currency, amountCents } = command.data;
      requireIdentifier('merchantId', merchantId);
      requireIdentifier('payoutId', payoutId);
      requireCurrency('currency', currency);
      requireInteger('amountCents', amountCents, 1, limits.maxAmountCents);
      const earlier = payoutOf(state, payoutId);
      if (earlier !== undefined) {
        // the same payout again (a retry) is already done; another payout under its id is a mistake
        if (earlier.currency === currency && earlier.amountCents === amountCents) return [];
        throw new CommandRejected('payout_id_reused', `payout ${payoutId} was sent with other terms`, {
          merchantId,
          payoutId,
          sent: { currency: earlier.currency, amountCents: earlier.amountCents },
        });
      }
      // decided on the stream's current version: two payouts cannot both spend one balance
      const available = availableCents(balanceIn(state, currency));
      if (amountCents > available) {
        throw new CommandRejected('insufficient_balance', `merchant ${merchantId} has ${available} ${currency} cents available, ${amountCents} requested`, {
          merchantId,
          currency,
          requestedCents: amountCents,
          availableCents: available,
        });
      }
      return [{ type: 'PayoutSent', data: { merchantId, payoutId, currency, amountCents } }];
    }
    default: {
      // one command so far: the check is on its type, which the switch narrows to never
      const unknown: never = command.type;
      throw new InvalidCommand(`unknown merchant command ${String(unknown)}`);
    }
  }
}

export const merchantDecider: Decider<MerchantState, MerchantCommand, MerchantEvent> = { initialState, evolve, decide };

interface StoredMerchantState {
  readonly balances: [currency: string, balance: CurrencyBalance][];
  /** Oldest first. */
  readonly payouts: [payoutId: string, currency: string, amountCents: number][];
}

/** A merchant's stream gains an event with every payment and cancellation: its state is snapshotted every 200 events. */
export const merchantModel = streamModel('merchant', merchantDecider, {
  version: 1,
  every: 200,
  encode: (state): StoredMerchantState => {
    const payouts: StoredMerchantState['payouts'] = [];
    for (let entry = state.payouts; entry !== undefined; entry = entry.previous) payouts.push([entry.payoutId, entry.currency, entry.amountCents]);
    return { balances: [...state.balances], payouts: payouts.reverse() };
  },
  decode: (stored) => {
    const { balances, payouts } = stored as StoredMerchantState;
    return {
      balances: new Map(balances),
      payouts: payouts.reduce<PayoutEntry | undefined>((previous, [payoutId, currency, amountCents]) => ({ payoutId, currency, amountCents, previous }), undefined),
    };
  },
});
