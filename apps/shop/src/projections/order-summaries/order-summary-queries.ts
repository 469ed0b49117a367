// Queries over the orderSummaries read model: one order by id, and pages of orders newest first.
import { InvalidCommand } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import DataLoader from 'dataloader';
import type { Customer, OrderStatus, ShippingAddress } from '../../domain/order.js';
import { decodeCursor, encodeCursor, pageLimit } from '../page-cursor.js';

export interface OrderSummaryLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface OrderSummary {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: readonly OrderSummaryLine[];
  readonly customer: Customer | null;
  readonly shippingAddress: ShippingAddress | null;
  readonly placedAt: Date;
  /** Unpaid by then, the order is cancelled; absent when placed without a payment window. */
  readonly paymentDueAt?: Date;
  readonly paidAt: Date | null;
  readonly shippedAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly cancelledAt: Date | null;
  readonly cancelReason: string | null;
  readonly refundCents: number | null;
  readonly paymentRef: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly updatedAt: Date;
  /** Global position of the last event applied to this order. */
  readonly lastPosition: number;
}

interface OrderSummaryRow {
  order_id: string;
  customer_id: string;
  status: OrderStatus;
  currency: string;
  total_cents: number | string | bigint;
  lines: OrderSummaryLine[];
  customer: Customer | null;
  shipping_address: ShippingAddress | null;
  placed_at: Date;
  payment_due_at: Date | null;
  paid_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  refund_cents: number | string | bigint | null;
  payment_ref: string | null;
  carrier: string | null;
  tracking_number: string | null;
  updated_at: Date;
  last_position: number | string | bigint;
}

const columns = `order_id, customer_id, status, currency, total_cents, lines, customer, shipping_address, placed_at, paid_at, shipped_at,
  delivered_at, cancelled_at, cancel_reason, refund_cents, payment_ref, carrier, tracking_number, updated_at, last_position, payment_due_at`;

// bigint arrives as a string from `pg` and as a number from PGlite
const toSummary = (row: OrderSummaryRow): OrderSummary => ({
  orderId: row.order_id,
  customerId: row.customer_id,
  status: row.status,
  currency: row.currency,
  totalCents: Number(row.total_cents),
  lines: row.lines,
  customer: row.customer,
  shippingAddress: row.shipping_address,
  placedAt: row.placed_at,
  // absent for orders placed without a payment window
  ...(row.payment_due_at === null ? {} : { paymentDueAt: row.payment_due_at }),
  paidAt: row.paid_at,
  shippedAt: row.shipped_at,
  deliveredAt: row.delivered_at,
  cancelledAt: row.cancelled_at,
  cancelReason: row.cancel_reason,
  refundCents: row.refund_cents === null ? null : Number(row.refund_cents),
  paymentRef: row.payment_ref,
  carrier: row.carrier,
  trackingNumber: row.tracking_number,
  updatedAt: row.updated_at,
  lastPosition: Number(row.last_position),
});

export async function getOrderSummary(session: SqlSession, orderId: string): Promise<OrderSummary | undefined> {
  return (await getOrderSummaries(session, [orderId]))[0];
}

/** Several orders by id in one statement; the answer lines up with `orderIds` (undefined where there is none). */
export async function getOrderSummaries(session: SqlSession, orderIds: readonly string[]): Promise<(OrderSummary | undefined)[]> {
  const { rows } = await session.query<OrderSummaryRow>(`SELECT ${columns} FROM order_summaries WHERE order_id = ANY($1::text[])`, [[...orderIds]]);
  const byId = new Map(rows.map((row) => [row.order_id, row]));
  return orderIds.map((id) => {
    const row = byId.get(id);
    return row === undefined ? undefined : toSummary(row);
  });
}

/** Largest number of ids one batched read asks for. */
export const maxOrderBatch = 256;

export interface BatchedReaderOptions {
  /**
   * How many batched statements may run at once (default 1). Lookups that arrive while they all run
   * wait and go together in the next one: under load each statement answers many requests, so the
   * database and the driver do less per read; a lone lookup waits for no one.
   */
  readonly maxBatchesInFlight?: number;
}

/**
 * Reads orders by id, coalescing lookups into one statement: those that arrive in the same turn of the
 * event loop, and those that arrive while earlier batches are running. Nothing is cached: each lookup is
 * answered by a statement that started after it was asked, so it is at least as fresh as the checkpoint
 * read before it.
 */
export function batchedOrderSummaryReader(
  session: SqlSession,
  options: BatchedReaderOptions = {},
): (orderId: string) => Promise<OrderSummary | undefined> {
  const { maxBatchesInFlight = 1 } = options;
  if (!Number.isInteger(maxBatchesInFlight) || maxBatchesInFlight < 1) throw new RangeError('maxBatchesInFlight must be a positive integer');
  // batches scheduled or running; a batch over the limit waits, still open to new lookups, for one to end
  let busy = 0;
  const waiting: (() => void)[] = [];
  const start = (dispatch: () => void): void => {
    busy++;
    setImmediate(dispatch);
  };
  const loader = new DataLoader<string, OrderSummary | undefined>(
    async (ids) => {
      try {
        return await getOrderSummaries(session, ids);
      } finally {
        busy--;
        const next = waiting.shift();
        if (next !== undefined) start(next);
      }
    },
    {
      cache: false,
      maxBatchSize: maxOrderBatch,
      batchScheduleFn: (dispatch) => (busy < maxBatchesInFlight ? start(dispatch) : waiting.push(dispatch)),
    },
  );
  return (orderId) => loader.load(orderId);
}

export interface OrderSummaryFilter {
  readonly customerId?: string;
  readonly status?: OrderStatus;
  /** Orders with a line of this sku. */
  readonly sku?: string;
  /** Placed at or after. */
  readonly from?: Date;
  /** Placed before. */
  readonly to?: Date;
  /** 1 to 200, default 20. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface OrderSummaryPage {
  readonly items: readonly OrderSummary[];
  /** Undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/** Orders newest first (by placedAt, then orderId), filtered; pages are keyset, so stable under inserts. */
export async function listOrderSummaries(session: SqlSession, filter: OrderSummaryFilter = {}): Promise<OrderSummaryPage> {
  const limit = pageLimit(filter.limit);
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['string', 'string']);
  if (after !== undefined && Number.isNaN(Date.parse(after[0]))) throw new InvalidCommand('cursor is not one this query returned', { field: 'cursor' });
  for (const field of ['from', 'to'] as const) {
    const value = filter[field];
    if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
      throw new InvalidCommand(`${field} must be a valid date`, { field });
    }
  }
  const { rows } = await session.query<OrderSummaryRow>(
    `SELECT ${columns} FROM order_summaries
     WHERE ($1::text IS NULL OR customer_id = $1)
       AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR lines @> jsonb_build_array(jsonb_build_object('sku', $3::text)))
       AND ($4::timestamptz IS NULL OR placed_at >= $4)
       AND ($5::timestamptz IS NULL OR placed_at < $5)
       AND ($6::timestamptz IS NULL OR (placed_at, order_id) < ($6::timestamptz, $7::text))
     ORDER BY placed_at DESC, order_id DESC
     LIMIT $8`,
    [
      filter.customerId ?? null,
      filter.status ?? null,
      filter.sku ?? null,
      filter.from?.toISOString() ?? null,
      filter.to?.toISOString() ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      limit + 1,
    ],
  );
  const items = rows.slice(0, limit).map(toSummary);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.placedAt.toISOString(), last.orderId]) : undefined,
  };
}
