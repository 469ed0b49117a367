// Queries over the customerOrders read model: one customer's recent orders, newest first.
import type { SqlSession } from '@twofold/postgres';
import type { OrderStatus } from '../../domain/order.js';
import { pageLimit } from '../page-cursor.js';

export interface CustomerOrder {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly placedAt: Date;
  readonly updatedAt: Date;
}

export interface CustomerOrders {
  readonly customerId: string;
  /** Newest first; only orders inside the retention window. Empty for an unknown customer. */
  readonly orders: readonly CustomerOrder[];
}

interface CustomerOrderRow {
  order_id: string;
  status: OrderStatus;
  currency: string;
  total_cents: number | string | bigint;
  placed_at: Date;
  updated_at: Date;
}

/** At most `limit` (1 to 200, default 50) of the customer's orders, newest first (by placedAt, then orderId). */
export async function getCustomerOrders(session: SqlSession, customerId: string, options: { readonly limit?: number } = {}): Promise<CustomerOrders> {
  const limit = pageLimit(options.limit, { defaultLimit: 50 });
  const { rows } = await session.query<CustomerOrderRow>(
    `SELECT order_id, status, currency, total_cents, placed_at, updated_at FROM customer_orders
     WHERE customer_id = $1 ORDER BY placed_at DESC, order_id DESC LIMIT $2`,
    [customerId, limit],
  );
  // bigint arrives as a string from `pg` and as a number from PGlite
  return {
    customerId,
    orders: rows.map((row) => ({
      orderId: row.order_id,
      status: row.status,
      currency: row.currency,
      totalCents: Number(row.total_cents),
      placedAt: row.placed_at,
      updatedAt: row.updated_at,
    })),
  };
}
