// The customerOrders projection: each customer's recent orders, bounded to a retention window measured in event time.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { orderEventTypes, type OrderEvent, type OrderPlaced, type OrderStatus } from '../../domain/order.js';
import { loggedAt, runInOrder } from '../read-model-parts.js';

export interface CustomerOrdersOptions {
  /** Orders placed more than this many days (of 24 h) before the newest event applied are pruned. Default 180. */
  readonly retentionDays?: number;
}

const dayMs = 86_400_000;

const setupStatements = [
  `CREATE TABLE IF NOT EXISTS customer_orders (
    order_id text PRIMARY KEY,
    customer_id text NOT NULL,
    status text NOT NULL,
    currency text NOT NULL,
    total_cents bigint NOT NULL,
    placed_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    last_position bigint NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS customer_orders_customer_idx ON customer_orders (customer_id, placed_at DESC, order_id DESC)`,
  `CREATE INDEX IF NOT EXISTS customer_orders_placed_idx ON customer_orders (placed_at)`,
  // the newest event time applied so far: the window only ever moves forward, so a redelivered
  // batch can neither bring a pruned order back nor prune less
  `CREATE TABLE IF NOT EXISTS customer_orders_horizon (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    newest_event_at timestamptz NOT NULL
  )`,
];

// moves the window and prunes what fell out of it, in one statement: rows this batch inserts are inside the window
// (insertOrders keeps out the rest) and a status update of a pruned order finds no row, so pruning first leaves
// what pruning last would
const advanceHorizonAndPrune = `
  WITH horizon AS (
    INSERT INTO customer_orders_horizon AS h (singleton, newest_event_at) VALUES (true, $1::timestamptz)
    ON CONFLICT (singleton) DO UPDATE SET newest_event_at = greatest(h.newest_event_at, excluded.newest_event_at)
    RETURNING newest_event_at - $2::bigint * interval '1 millisecond' AS keep_from
  ), pruned AS (
    DELETE FROM customer_orders WHERE placed_at < (SELECT keep_from FROM horizon)
  )
  SELECT keep_from FROM horizon`;

// an order already outside the window is not inserted (it would be pruned at once, or is a
// redelivery of one pruned before)
const insertOrders = `
  INSERT INTO customer_orders (order_id, customer_id, status, currency, total_cents, placed_at, updated_at, last_position)
  SELECT e.order_id, e.customer_id, 'placed', e.currency, e.total_cents, e.placed_at, e.recorded_at, e.position
  FROM jsonb_to_recordset($1::jsonb) AS e(
    order_id text, customer_id text, currency text, total_cents bigint, placed_at timestamptz, recorded_at timestamptz, position bigint)
  WHERE e.placed_at >= $2::timestamptz
  ON CONFLICT (order_id) DO NOTHING`;

// later events only move the status, so the last one of each order in a batch says it all; a row is
// fed by one order stream, whose positions rise with its versions
const updateStatuses = `
  UPDATE customer_orders o
  SET status = e.status, updated_at = e.recorded_at, last_position = e.position
  FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, status text, recorded_at timestamptz, position bigint)
  WHERE o.order_id = e.order_id AND o.last_position < e.position`;


const statusAfter: Record<Exclude<OrderEvent['type'], 'OrderPlaced'>, OrderStatus> = {
  OrderPaid: 'paid',
  OrderShipped: 'shipped',
  OrderDelivered: 'delivered',
  OrderCancelled: 'cancelled',
};

/**
 * Builds the projection with its retention window. An order placed before (newest event time − window)
 * is removed from the read model with each batch, never from the event store; the newest
 * event time is the greatest recordedAt applied so far, so a rebuild prunes the same rows. The name
 * does not change with the window: shortening it prunes at the next batch, lengthening it keeps
 * what is left until a rebuild (bump the version).
 */
export function customerOrdersProjection(options: CustomerOrdersOptions = {}): ProjectionDefinition<SqlSession> {
  const { retentionDays = 180 } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36_500) {
    throw new RangeError(`retentionDays must be an integer from 1 to 36500, not ${String(retentionDays)}`);
  }
  const windowMs = retentionDays * dayMs;
  return {
    name: 'customerOrders',
    version: 1,
    handles: orderEventTypes,
    tables: ['customer_orders', 'customer_orders_horizon'],
    setup: runInOrder(setupStatements),
    async apply(events, session) {
      if (events.length === 0) return;
      const newestInBatch = events.reduce((newest, event) => Math.max(newest, event.recordedAt.getTime()), Number.NEGATIVE_INFINITY);
      const { rows } = await session.query<{ keep_from: Date }>(advanceHorizonAndPrune, [new Date(newestInBatch).toISOString(), windowMs]);
      const keepFrom = rows[0]!.keep_from.toISOString();

      const placed: Record<string, unknown>[] = [];
      const latest = new Map<string, { order_id: string; status: OrderStatus; recorded_at: string; position: number }>();
      for (const event of events as readonly StoredEvent<OrderEvent>[]) {
        const stamp = loggedAt(event);
        if (event.type === 'OrderPlaced') {
          const { orderId, customerId, currency, totalCents, placedAt } = (event as StoredEvent<OrderPlaced>).data;
          placed.push({ order_id: orderId, customer_id: customerId, currency, total_cents: totalCents, placed_at: placedAt, ...stamp });
        } else if (Object.hasOwn(statusAfter, event.type)) {
          const { orderId } = event.data;
          latest.set(orderId, { order_id: orderId, status: statusAfter[event.type], ...stamp });
        }
      }
      if (placed.length > 0) await session.query(insertOrders, [JSON.stringify(placed), keepFrom]);
      if (latest.size > 0) await session.query(updateStatuses, [JSON.stringify([...latest.values()])]);
    },
  };
}

/** Customers' orders of the last 180 days. */
export const customerOrders: ProjectionDefinition<SqlSession> = customerOrdersProjection();
