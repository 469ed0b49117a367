// The orderSearch projection: one row per order with a full-text vector over customer, products and skus, for filtered, paged search.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { orderEventTypes, type OrderEvent, type OrderPlaced, type OrderStatus } from '../../domain/order.js';
import { loggedAt, runInOrder } from '../read-model-parts.js';

/**
 * The text search configuration of the vector; queries must parse with the same one. `simple`:
 * names, emails and skus are not words of a language, so they are neither stemmed nor dropped.
 */
export const orderSearchTextConfig = 'simple';

const setupStatements = [
  `CREATE TABLE IF NOT EXISTS order_search (
    order_id text PRIMARY KEY,
    customer_id text NOT NULL,
    customer_name text,
    customer_email text,
    status text NOT NULL,
    currency text NOT NULL,
    total_cents bigint NOT NULL,
    skus text[] NOT NULL,
    lines jsonb NOT NULL,
    placed_at timestamptz NOT NULL,
    search tsvector NOT NULL,
    updated_at timestamptz NOT NULL,
    last_position bigint NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS order_search_search_idx ON order_search USING gin (search)`,
  // no pending list: with one, every search reads up to 4 MB of unsorted entries, and the planner, counting them,
  // prefers reading the table or walking it newest first, which reads every order when a text matches none
  `ALTER INDEX order_search_search_idx SET (fastupdate = off)`,
  `CREATE INDEX IF NOT EXISTS order_search_skus_idx ON order_search USING gin (skus)`,
  `CREATE INDEX IF NOT EXISTS order_search_placed_idx ON order_search (placed_at DESC, order_id DESC)`,
  `CREATE INDEX IF NOT EXISTS order_search_customer_idx ON order_search (customer_id, placed_at DESC, order_id DESC)`,
  `CREATE INDEX IF NOT EXISTS order_search_status_idx ON order_search (status, placed_at DESC, order_id DESC)`,
];

// Customer words weigh most, then products; an email is indexed whole and split at '@'.
const insertOrders = `
  INSERT INTO order_search
    (order_id, customer_id, customer_name, customer_email, status, currency, total_cents, skus, lines, placed_at, search, updated_at, last_position)
  SELECT e.order_id, e.customer_id, e.customer_name, e.customer_email, 'placed', e.currency, e.total_cents,
         ARRAY(SELECT jsonb_array_elements_text(e.skus)), e.lines, e.placed_at,
         setweight(to_tsvector('${orderSearchTextConfig}', e.customer_text), 'A') || setweight(to_tsvector('${orderSearchTextConfig}', e.product_text), 'B'),
         e.recorded_at, e.position
  FROM jsonb_to_recordset($1::jsonb) AS e(
    order_id text, customer_id text, customer_name text, customer_email text, currency text, total_cents bigint, skus jsonb, lines jsonb,
    placed_at timestamptz, customer_text text, product_text text, recorded_at timestamptz, position bigint)
  ON CONFLICT (order_id) DO NOTHING`;

// Later events only move the status, so the last one of each order in a batch says it all. A row is
// fed by one order stream, whose positions rise with its versions: older events change nothing.
const updateStatuses = `
  UPDATE order_search s
  SET status = e.status, updated_at = e.recorded_at, last_position = e.position
  FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, status text, recorded_at timestamptz, position bigint)
  WHERE s.order_id = e.order_id AND s.last_position < e.position`;

const statusAfter: Record<Exclude<OrderEvent['type'], 'OrderPlaced'>, OrderStatus> = {
  OrderPaid: 'paid',
  OrderShipped: 'shipped',
  OrderDelivered: 'delivered',
  OrderCancelled: 'cancelled',
};

function placedRow(event: StoredEvent<OrderPlaced>) {
  const { orderId, customerId, customer, currency, totalCents, lines, placedAt } = event.data;
  const email = customer?.email;
  return {
    order_id: orderId,
    customer_id: customerId,
    customer_name: customer?.name ?? null,
    customer_email: email ?? null,
    currency,
    total_cents: totalCents,
    skus: lines.map((line) => line.sku),
    lines: lines.map(({ sku, name, quantity, unitPriceCents }) => ({ sku, name, quantity, unitPriceCents })),
    placed_at: placedAt,
    customer_text: [orderId, customerId, customer?.name, email, email?.replace('@', ' ')].filter((part) => part !== undefined).join(' '),
    product_text: lines.map((line) => `${line.sku} ${line.name}`).join(' '),
    ...loggedAt(event),
  };
}

export const orderSearch: ProjectionDefinition<SqlSession> = {
  name: 'orderSearch',
  version: 1,
  handles: orderEventTypes,
  tables: ['order_search'],
  setup: runInOrder(setupStatements),
  async apply(events, session) {
    const placed: ReturnType<typeof placedRow>[] = [];
    const latest = new Map<string, { order_id: string; status: OrderStatus; recorded_at: string; position: number }>();
    for (const event of events as readonly StoredEvent<OrderEvent>[]) {
      if (event.type === 'OrderPlaced') placed.push(placedRow(event as StoredEvent<OrderPlaced>));
      else if (Object.hasOwn(statusAfter, event.type)) {
        const { orderId } = event.data;
        latest.set(orderId, { order_id: orderId, status: statusAfter[event.type], recorded_at: event.recordedAt.toISOString(), position: event.globalPosition });
      }
    }
    // an order's OrderPlaced comes before its other events, so inserting first keeps each order in log order
    if (placed.length > 0) await session.query(insertOrders, [JSON.stringify(placed)]);
    if (latest.size > 0) await session.query(updateStatuses, [JSON.stringify([...latest.values()])]);
  },
};
