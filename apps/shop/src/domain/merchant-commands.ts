// Merchant commands of their own: payouts. Charges and refunds come with paying and cancelling orders.
import { handleCommand, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { merchantDecider, merchantStream, type SendPayout } from './merchant.js';
import { requireObject, requireText } from './validate.js';

/**
 * Throws CommandRejected `insufficient_balance` (details: merchantId, currency, requestedCents,
 * availableCents) when the amount exceeds what the merchant's stream says is available, decided on
 * the stream's current version so two payouts cannot both spend the same balance;
 * `payout_id_reused` for a known payoutId with other terms. A known payoutId with the same terms
 * appends nothing.
 */
export const sendPayout = async (
  store: EventStore,
  data: SendPayout['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> => {
  requireObject('payout', data);
  requireText('merchantId', data.merchantId, { maxLength: 100 });
  return handleCommand(store, merchantDecider, merchantStream(data.merchantId), { type: 'SendPayout', data, metadata }, options);
};
