// The salesAnalytics projection: orders and revenue per minute and currency, and units and revenue per product per minute.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import type { OrderPaid, OrderPlaced } from '../../domain/order.js';
import { runInOrder } from '../read-model-parts.js';

// What counts, and when:
// - orders: an order counts in the minute it was placed (OrderPlaced.placedAt), whatever becomes of it;
// - revenue: a payment counts in full in the minute it was made (OrderPaid.paidAt), in its currency;
//   refunds are not subtracted (gross sales; what merchants are owed net is merchantBalances);
// - products: the lines of a paid order count (units and quantity × unit price) in the minute of payment.
// Minutes come from event data, never from the clock, so a rebuild gives the same buckets.
const handled = ['OrderPlaced', 'OrderPaid'] as const;

const setupStatements = [
  // one row per order: its lines, kept for its payment, and the guard that counts each event once
  `CREATE TABLE IF NOT EXISTS sales_orders (
    order_id text PRIMARY KEY,
    lines jsonb NOT NULL,
    last_position bigint NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS sales_minutes (
    minute timestamptz NOT NULL,
    currency text NOT NULL,
    orders bigint NOT NULL,
    revenue_cents bigint NOT NULL,
    PRIMARY KEY (minute, currency)
  )`,
  `CREATE TABLE IF NOT EXISTS sales_product_minutes (
    minute timestamptz NOT NULL,
    sku text NOT NULL,
    currency text NOT NULL,
    name text NOT NULL,
    quantity bigint NOT NULL,
    revenue_cents bigint NOT NULL,
    PRIMARY KEY (minute, sku, currency)
  )`,
];

// Buckets only grow by what the order row let through: an OrderPlaced counts when it inserts its
// order, an OrderPaid when it moves the order's last position forward (a row is fed by one order
// stream, whose positions rise with its versions). A redelivered event changes nothing.
const countPlaced = `
  WITH e AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, currency text, lines jsonb, minute timestamptz, position bigint)
  ), inserted AS (
    INSERT INTO sales_orders (order_id, lines, last_position)
    SELECT order_id, lines, position FROM e
    ON CONFLICT (order_id) DO NOTHING
    RETURNING order_id
  )
  INSERT INTO sales_minutes AS m (minute, currency, orders, revenue_cents)
  SELECT e.minute, e.currency, count(*), 0 FROM e JOIN inserted USING (order_id) GROUP BY e.minute, e.currency
  ON CONFLICT (minute, currency) DO UPDATE SET orders = m.orders + excluded.orders`;

const countPaid = `
  WITH e AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, currency text, amount_cents bigint, minute timestamptz, position bigint)
  ), paid AS (
    UPDATE sales_orders s SET last_position = e.position
    FROM e WHERE s.order_id = e.order_id AND s.last_position < e.position
    RETURNING s.lines, e.currency, e.amount_cents, e.minute
  ), revenue AS (
    INSERT INTO sales_minutes AS m (minute, currency, orders, revenue_cents)
    SELECT minute, currency, 0, sum(amount_cents) FROM paid GROUP BY minute, currency
    ON CONFLICT (minute, currency) DO UPDATE SET revenue_cents = m.revenue_cents + excluded.revenue_cents
  )
  INSERT INTO sales_product_minutes AS p (minute, sku, currency, name, quantity, revenue_cents)
  SELECT paid.minute, l.sku, paid.currency, max(l.name), sum(l.quantity), sum(l.quantity * l.unit_price_cents)
  FROM paid CROSS JOIN LATERAL jsonb_to_recordset(paid.lines) AS l(sku text, name text, quantity bigint, unit_price_cents bigint)
  GROUP BY paid.minute, l.sku, paid.currency
  ON CONFLICT (minute, sku, currency) DO UPDATE
  SET name = excluded.name, quantity = p.quantity + excluded.quantity, revenue_cents = p.revenue_cents + excluded.revenue_cents`;

/** The start of the minute an ISO time falls in, as ISO (UTC: whole minutes are the same in every zone today). */
export const minuteOf = (iso: string): string => new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString();

const placedRow = ({ data, globalPosition }: StoredEvent<OrderPlaced>) => ({
  order_id: data.orderId,
  currency: data.currency,
  lines: data.lines.map(({ sku, name, quantity, unitPriceCents }) => ({ sku, name, quantity, unit_price_cents: unitPriceCents })),
  minute: minuteOf(data.placedAt),
  position: globalPosition,
});

const paidRow = ({ data, globalPosition }: StoredEvent<OrderPaid>) => ({
  order_id: data.orderId,
  currency: data.currency,
  amount_cents: data.amountCents,
  minute: minuteOf(data.paidAt),
  position: globalPosition,
});

export const salesAnalytics: ProjectionDefinition<SqlSession> = {
  name: 'salesAnalytics',
  version: 1,
  handles: handled,
  tables: ['sales_orders', 'sales_minutes', 'sales_product_minutes'],
  // a dashboard of minutes tolerates seconds of delay
  lagThresholdMs: 5_000,
  setup: runInOrder(setupStatements),
  async apply(events, session) {
    const placed = events.filter((event): event is StoredEvent<OrderPlaced> => event.type === 'OrderPlaced').map(placedRow);
    const paid = events.filter((event): event is StoredEvent<OrderPaid> => event.type === 'OrderPaid').map(paidRow);
    // an order is placed before it is paid and each happens once, so all placements go first
    if (placed.length > 0) await session.query(countPlaced, [JSON.stringify(placed)]);
    if (paid.length > 0) await session.query(countPaid, [JSON.stringify(paid)]);
  },
};
