import { CommandRejected, fold, InvalidCommand } from '@twofold/core';
import { deciderSpecification } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import {
  amountsByMerchant,
  availableCents,
  balanceIn,
  merchantDecider,
  merchantMovements,
  merchantStream,
  type MerchantCommand,
  type MerchantEvent,
} from './merchant.js';

const metadata = { now: new Date('2025-03-01T12:00:00.000Z'), correlationId: 'c-1' };
const spec = deciderSpecification(merchantDecider);

const movement = (orderId: string, amountCents: number, currency = 'EUR') => ({ merchantId: 'm-1', orderId, currency, amountCents });
const payout = (payoutId: string, amountCents: number, currency = 'EUR'): MerchantCommand => ({
  type: 'SendPayout',
  data: { merchantId: 'm-1', payoutId, currency, amountCents },
  metadata,
});
const charged = (orderId: string, amountCents: number, currency = 'EUR'): MerchantEvent => ({
  type: 'MerchantCharged',
  data: movement(orderId, amountCents, currency),
});
const refunded = (orderId: string, amountCents: number, currency = 'EUR'): MerchantEvent => ({
  type: 'MerchantRefunded',
  data: movement(orderId, amountCents, currency),
});
const paidOut = (payoutId: string, amountCents: number, currency = 'EUR'): MerchantEvent => ({
  type: 'PayoutSent',
  data: { merchantId: 'm-1', payoutId, currency, amountCents },
});

describe('merchantStream', () => {
  it('names the stream after the merchant id', () => expect(merchantStream('m-1')).toBe('merchant-m-1'));
});

describe('amountsByMerchant', () => {
  it('sums each merchant’s lines, merchants in first-seen order', () =>
    expect(
      amountsByMerchant([
        { sku: 'A', name: 'A', quantity: 2, unitPriceCents: 100, merchantId: 'm-2' },
        { sku: 'B', name: 'B', quantity: 1, unitPriceCents: 50, merchantId: 'm-1' },
        { sku: 'C', name: 'C', quantity: 3, unitPriceCents: 10, merchantId: 'm-2' },
      ]),
    ).toEqual([
      { merchantId: 'm-2', amountCents: 230 },
      { merchantId: 'm-1', amountCents: 50 },
    ]));
});

describe('merchantMovements', () => {
  const lines = [
    { sku: 'A', name: 'A', quantity: 2, unitPriceCents: 100, merchantId: 'm-2' },
    { sku: 'B', name: 'B', quantity: 1, unitPriceCents: 0, merchantId: 'm-3' },
    { sku: 'C', name: 'C', quantity: 1, unitPriceCents: 50, merchantId: 'm-1' },
  ];
  it.each(['MerchantCharged', 'MerchantRefunded'] as const)('records %s on each merchant stream with a non-zero share', (type) =>
    expect(merchantMovements(type, { orderId: 'o-1', currency: 'EUR', lines })).toEqual([
      { streamId: 'merchant-m-2', events: [{ type, data: { merchantId: 'm-2', orderId: 'o-1', currency: 'EUR', amountCents: 200 } }] },
      { streamId: 'merchant-m-1', events: [{ type, data: { merchantId: 'm-1', orderId: 'o-1', currency: 'EUR', amountCents: 50 } }] },
    ]));
});

describe('merchant decider', () => {
  describe('when new', () => {    it('rejects any payout for lack of balance', () =>
      spec
        .given([])
        .when(payout('p-1', 1))
        .thenThrows(
          CommandRejected,
          (e) => e.code === 'insufficient_balance' && e.details.availableCents === 0 && e.details.requestedCents === 1 && e.details.currency === 'EUR',
        ));
    it.each([
      ['amountCents', payout('p-1', 0)],
      ['amountCents', payout('p-1', 1.5)],
      ['currency', payout('p-1', 1, 'eur')],
      ['payoutId', payout('p 1', 1)],
      ['merchantId', { type: 'SendPayout', data: { merchantId: ' ', payoutId: 'p-1', currency: 'EUR', amountCents: 1 }, metadata } satisfies MerchantCommand],
    ] as const)('rejects a malformed %s', (field, command) =>
      spec
        .given([])
        .when(command)
        .thenThrows(InvalidCommand, (e) => e.details.field === field));
  });

  describe('when charged', () => {
    const history = [charged('o-1', 1000), charged('o-2', 500), refunded('o-2', 500), charged('o-3', 200, 'USD')];

    it('pays out up to the available balance of the currency', () => spec.given(history).when(payout('p-1', 1000)).then([paidOut('p-1', 1000)]));
    it('rejects a payout larger than the available balance', () =>
      spec
        .given(history)
        .when(payout('p-1', 1001))
        .thenThrows(
          CommandRejected,
          (e) => e.code === 'insufficient_balance' && e.details.availableCents === 1000 && e.details.merchantId === 'm-1',
        ));
    it('keeps currencies apart', () =>
      spec
        .given(history)
        .when(payout('p-1', 201, 'USD'))
        .thenThrows(CommandRejected, (e) => e.details.availableCents === 200));
    it('counts earlier payouts', () =>
      spec
        .given([...history, paidOut('p-1', 600)])
        .when(payout('p-2', 401))
        .thenThrows(CommandRejected, (e) => e.details.availableCents === 400));
    it('sends a retried payout only once', () => spec.given([...history, paidOut('p-1', 600)]).when(payout('p-1', 600)).thenNothing());
    it('rejects a payout id reused with other terms', () =>
      spec
        .given([...history, paidOut('p-1', 600)])
        .when(payout('p-1', 100))
        .thenThrows(CommandRejected, (e) => e.code === 'payout_id_reused'));
    it('has nothing to pay out once a refund after a payout took the balance below zero', () =>
      spec
        .given([...history, paidOut('p-1', 1000), refunded('o-1', 1000)])
        .when(payout('p-2', 1))
        .thenThrows(CommandRejected, (e) => e.details.availableCents === -1000));
  });

  it('folds balances per currency', () => {
    const state = fold(merchantDecider, [charged('o-1', 1000), refunded('o-1', 300), paidOut('p-1', 200), charged('o-2', 50, 'USD')]);
    expect(balanceIn(state, 'EUR')).toEqual({ chargesCents: 1000, refundsCents: 300, payoutsCents: 200 });
    expect(availableCents(balanceIn(state, 'EUR'))).toBe(500);
    expect(availableCents(balanceIn(state, 'USD'))).toBe(50);
    expect(availableCents(balanceIn(state, 'GBP'))).toBe(0);
  });
});
