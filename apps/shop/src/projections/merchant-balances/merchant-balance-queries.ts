// Queries over the merchantBalances read model: a merchant's balance in each currency it has moved money in.
import type { SqlSession } from '@twofold/postgres';

export interface MerchantBalance {
  readonly currency: string;
  readonly chargesCents: number;
  readonly refundsCents: number;
  readonly payoutsCents: number;
  /** chargesCents − refundsCents − payoutsCents; negative when a refund came after a payout. */
  readonly balanceCents: number;
  /** Commit time of the last event applied to this row. */
  readonly updatedAt: Date;
}

export interface MerchantBalances {
  readonly merchantId: string;
  /** By currency; empty for a merchant that never moved money. */
  readonly balances: readonly MerchantBalance[];
}

type Int = number | string | bigint;
interface BalanceRow {
  currency: string;
  charges_cents: Int;
  refunds_cents: Int;
  payouts_cents: Int;
  balance_cents: Int;
  updated_at: Date;
}

// bigint arrives as a string from `pg` and as a number from PGlite
export async function getMerchantBalances(session: SqlSession, merchantId: string): Promise<MerchantBalances> {
  const { rows } = await session.query<BalanceRow>(
    `SELECT currency, charges_cents, refunds_cents, payouts_cents, balance_cents, updated_at
     FROM merchant_balances WHERE merchant_id = $1 ORDER BY currency`,
    [merchantId],
  );
  return {
    merchantId,
    balances: rows.map((row) => ({
      currency: row.currency,
      chargesCents: Number(row.charges_cents),
      refundsCents: Number(row.refunds_cents),
      payoutsCents: Number(row.payouts_cents),
      balanceCents: Number(row.balance_cents),
      updatedAt: row.updated_at,
    })),
  };
}
