// Queries over the salesAnalytics read model: per-minute orders and revenue, and the top products, for a time range.
import { InvalidCommand } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { requireOptionalDate, requireRange } from '../time-range.js';

export const maxSalesRangeMs = 31 * 86_400_000;

export interface SalesMinute {
  /** Start of the minute (UTC). */
  readonly minute: Date;
  /** Orders placed in the minute, in this currency. */
  readonly orders: number;
  /** Payments received in the minute, in this currency (gross: refunds are not subtracted). */
  readonly revenueCents: number;
  readonly currency: string;
}

export interface TopProduct {
  readonly sku: string;
  readonly name: string;
  readonly currency: string;
  /** Units in orders paid in the range. */
  readonly quantity: number;
  readonly revenueCents: number;
}

export interface SalesQuery {
  /** Inclusive: minutes starting at or after. */
  readonly from: Date;
  /** Exclusive: minutes starting before. At most 31 days after `from`. */
  readonly to: Date;
  /** How many top products, 1 to 100, default 10. */
  readonly top?: number;
  /** Rank products by units (default) or by revenue. */
  readonly topBy?: 'quantity' | 'revenue';
}

export interface SalesReport {
  readonly from: Date;
  readonly to: Date;
  /** Only minutes with orders or revenue, by minute then currency. */
  readonly minutes: readonly SalesMinute[];
  readonly topProducts: readonly TopProduct[];
}

type Int = number | string | bigint;

export async function getSalesReport(session: SqlSession, query: SalesQuery): Promise<SalesReport> {
  const { from, to, top = 10, topBy = 'quantity' } = query;
  if (from === undefined || to === undefined) throw new InvalidCommand('from and to are required', { field: from === undefined ? 'from' : 'to' });
  requireOptionalDate('from', from);
  requireOptionalDate('to', to);
  requireRange(from, to, maxSalesRangeMs);
  if (!Number.isInteger(top) || top < 1 || top > 100) throw new InvalidCommand('top must be an integer from 1 to 100', { field: 'top' });
  if (topBy !== 'quantity' && topBy !== 'revenue') throw new InvalidCommand('topBy must be quantity or revenue', { field: 'topBy' });
  const range = [from.toISOString(), to.toISOString()];
  const minutes = await session.query<{ minute: Date; currency: string; orders: Int; revenue_cents: Int }>(
    `SELECT minute, currency, orders, revenue_cents FROM sales_minutes
     WHERE minute >= $1::timestamptz AND minute < $2::timestamptz ORDER BY minute, currency`,
    range,
  );
  const order = topBy === 'quantity' ? 'quantity DESC, revenue_cents DESC' : 'revenue_cents DESC, quantity DESC';
  const products = await session.query<{ sku: string; currency: string; name: string; quantity: Int; revenue_cents: Int }>(
    `SELECT sku, currency, (array_agg(name ORDER BY minute DESC))[1] AS name, sum(quantity) AS quantity, sum(revenue_cents) AS revenue_cents
     FROM sales_product_minutes
     WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
     GROUP BY sku, currency
     ORDER BY ${order}, sku, currency
     LIMIT $3`,
    [...range, top],
  );
  // bigint and numeric arrive as strings from `pg`; sums stay exact integers below 2^53
  return {
    from,
    to,
    minutes: minutes.rows.map((row) => ({ minute: row.minute, orders: Number(row.orders), revenueCents: Number(row.revenue_cents), currency: row.currency })),
    topProducts: products.rows.map((row) => ({
      sku: row.sku,
      name: row.name,
      currency: row.currency,
      quantity: Number(row.quantity),
      revenueCents: Number(row.revenue_cents),
    })),
  };
}
