// Merchant commands of their own: payouts. Charges and refunds come with paying and cancelling orders.
import { singleStreamDecider, type AppendResult, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { merchantDecider, merchantModel, merchantStream, type SendPayout } from './merchant.js';
import { requireIdentifier, requireObject } from './validate.js';

const sendPayoutDecider = singleStreamDecider('SendPayout', merchantModel, (c: SendPayout) => merchantStream(c.data.merchantId), merchantDecider.decide);

/**
 * Throws CommandRejected `insufficient_balance` (details: merchantId, currency, requestedCents,
 * availableCents) when the amount exceeds what the merchant's stream says is available, decided on
 * the stream's current version so two payouts cannot both spend the same balance;
 * `payout_id_reused` for a known payoutId with other terms. A known payoutId with the same terms
 * appends nothing.
 */
export async function sendPayout(processor: CommandProcessor, data: SendPayout['data'], metadata: CommandMetadata): Promise<AppendResult> {
  requireObject('payout', data);
  requireIdentifier('merchantId', data.merchantId);
  return processor.execute(sendPayoutDecider, { type: 'SendPayout', data, metadata });
}
