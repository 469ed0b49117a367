// The orderSummaries projection: one row per order with its status, lines and lifecycle times.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { orderEventTypes, type OrderEvent } from '../domain/order.js';
import { byType, roundsByKey } from './rounds.js';

const setupStatements = [
  `CREATE TABLE IF NOT EXISTS order_summaries (
    order_id text PRIMARY KEY,
    customer_id text NOT NULL,
    status text NOT NULL,
    currency text NOT NULL,
    total_cents bigint NOT NULL,
    lines jsonb NOT NULL,
    customer jsonb,
    shipping_address jsonb,
    placed_at timestamptz NOT NULL,
    paid_at timestamptz,
    shipped_at timestamptz,
    delivered_at timestamptz,
    cancelled_at timestamptz,
    cancel_reason text,
    refund_cents bigint,
    payment_ref text,
    carrier text,
    tracking_number text,
    updated_at timestamptz NOT NULL,
    last_position bigint NOT NULL
  )`,
  `ALTER TABLE order_summaries ADD COLUMN IF NOT EXISTS payment_due_at timestamptz`,
  `CREATE INDEX IF NOT EXISTS order_summaries_customer_idx ON order_summaries (customer_id, placed_at DESC, order_id DESC)`,
  `CREATE INDEX IF NOT EXISTS order_summaries_placed_idx ON order_summaries (placed_at DESC, order_id DESC)`,
  `CREATE INDEX IF NOT EXISTS order_summaries_lines_idx ON order_summaries USING gin (lines jsonb_path_ops)`,
];

// Each statement takes the batch's rows of one event type as a JSON array ($1), at most one row per
// order. An insert that finds its order does nothing; an update applies only events newer than the
// row: a row is fed by one order stream, whose positions rise with its versions.
const statements: Record<OrderEvent['type'], string> = {
  OrderPlaced: `
    INSERT INTO order_summaries
      (order_id, customer_id, status, currency, total_cents, lines, customer, shipping_address, placed_at, updated_at, last_position, payment_due_at)
    SELECT e.order_id, e.customer_id, 'placed', e.currency, e.total_cents, e.lines, e.customer, e.shipping_address, e.placed_at, e.recorded_at, e.position, e.payment_due_at
    FROM jsonb_to_recordset($1::jsonb) AS e(
      order_id text, customer_id text, currency text, total_cents bigint, lines jsonb, customer jsonb, shipping_address jsonb,
      placed_at timestamptz, recorded_at timestamptz, position bigint, payment_due_at timestamptz)
    ON CONFLICT (order_id) DO NOTHING`,
  OrderPaid: `
    UPDATE order_summaries s
    SET status = 'paid', paid_at = e.paid_at, payment_ref = e.payment_ref, updated_at = e.recorded_at, last_position = e.position
    FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, paid_at timestamptz, payment_ref text, recorded_at timestamptz, position bigint)
    WHERE s.order_id = e.order_id AND s.last_position < e.position`,
  OrderShipped: `
    UPDATE order_summaries s
    SET status = 'shipped', shipped_at = e.shipped_at, carrier = e.carrier, tracking_number = e.tracking_number,
        updated_at = e.recorded_at, last_position = e.position
    FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, shipped_at timestamptz, carrier text, tracking_number text, recorded_at timestamptz, position bigint)
    WHERE s.order_id = e.order_id AND s.last_position < e.position`,
  OrderDelivered: `
    UPDATE order_summaries s
    SET status = 'delivered', delivered_at = e.delivered_at, updated_at = e.recorded_at, last_position = e.position
    FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, delivered_at timestamptz, recorded_at timestamptz, position bigint)
    WHERE s.order_id = e.order_id AND s.last_position < e.position`,
  OrderCancelled: `
    UPDATE order_summaries s
    SET status = 'cancelled', cancelled_at = e.cancelled_at, cancel_reason = e.cancel_reason, refund_cents = e.refund_cents,
        updated_at = e.recorded_at, last_position = e.position
    FROM jsonb_to_recordset($1::jsonb) AS e(order_id text, cancelled_at timestamptz, cancel_reason text, refund_cents bigint, recorded_at timestamptz, position bigint)
    WHERE s.order_id = e.order_id AND s.last_position < e.position`,
};

/** The row fields an event sets, named as the statement's recordset columns. */
function rowOf(event: StoredEvent<OrderEvent>): Record<string, unknown> {
  const common = { order_id: event.data.orderId, recorded_at: event.recordedAt.toISOString(), position: event.globalPosition };
  switch (event.type) {
    case 'OrderPlaced': {
      const { customerId, currency, totalCents, lines, customer, shippingAddress, placedAt, paymentDueAt } = event.data;
      return {
        ...common,
        customer_id: customerId,
        currency,
        total_cents: totalCents,
        lines: lines.map(({ sku, name, quantity, unitPriceCents }) => ({ sku, name, quantity, unitPriceCents })),
        customer: customer ?? null,
        shipping_address: shippingAddress ?? null,
        placed_at: placedAt,
        payment_due_at: paymentDueAt ?? null,
      };
    }
    case 'OrderPaid':
      return { ...common, paid_at: event.data.paidAt, payment_ref: event.data.paymentRef };
    case 'OrderShipped':
      return { ...common, shipped_at: event.data.shippedAt, carrier: event.data.carrier, tracking_number: event.data.trackingNumber };
    case 'OrderDelivered':
      return { ...common, delivered_at: event.data.deliveredAt };
    case 'OrderCancelled':
      return { ...common, cancelled_at: event.data.cancelledAt, cancel_reason: event.data.reason, refund_cents: event.data.refundCents };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const orderSummaries: ProjectionDefinition<SqlSession> = {
  name: 'orderSummaries',
  version: 1,
  handles: orderEventTypes,
  tables: ['order_summaries'],
  async setup(session) {
    for (const statement of setupStatements) await session.query(statement);
  },
  apply: (events, session) =>
    applyInRounds(
      session,
      events.filter((event): event is StoredEvent<OrderEvent> => Object.hasOwn(statements, event.type)),
      (event) => event.data.orderId,
      (type, group) => [statements[type], [JSON.stringify(group.map(rowOf))]],
    ),
};

/**
 * One statement per event type per round: a round holds at most one event per order, and rounds keep each
 * order's events in log order. `statementOf` gives the statement and its parameters for a round's group.
 */
async function applyInRounds<E extends StoredEvent>(
  session: SqlSession,
  events: readonly E[],
  orderOf: (event: E) => string,
  statementOf: (type: OrderEvent['type'], group: readonly E[]) => [string, unknown[]],
): Promise<void> {
  for (const round of roundsByKey(events, orderOf)) {
    for (const [type, group] of byType(round)) await session.query(...statementOf(type as OrderEvent['type'], group));
  }
}

// The same statements reading the events where they are: $1 lists the positions of the batch's events of one
// type, at most one per order. Times are cut to milliseconds and lines keep the four fields, as rowOf does.
const eventsAt = 'FROM twofold_events e WHERE e.global_position = ANY($1::bigint[])';
/** An update's events joined to their orders' rows, applied only to rows that have not seen a later event. */
const ofItsOrderIfNewer = `FROM twofold_events e
    WHERE e.global_position = ANY($1::bigint[]) AND s.order_id = e.data->>'orderId' AND s.last_position < e.global_position`;
const recordedAt = "date_trunc('milliseconds', e.recorded_at)";
const inLogStatements: Record<OrderEvent['type'], string> = {
  OrderPlaced: `
    INSERT INTO order_summaries
      (order_id, customer_id, status, currency, total_cents, lines, customer, shipping_address, placed_at, updated_at, last_position, payment_due_at)
    SELECT e.data->>'orderId', e.data->>'customerId', 'placed', e.data->>'currency', (e.data->>'totalCents')::bigint,
      COALESCE((SELECT jsonb_agg(jsonb_build_object('sku', l.line->'sku', 'name', l.line->'name', 'quantity', l.line->'quantity',
                                                    'unitPriceCents', l.line->'unitPriceCents') ORDER BY l.n)
                FROM jsonb_array_elements(e.data->'lines') WITH ORDINALITY AS l(line, n)), '[]'::jsonb),
      NULLIF(e.data->'customer', 'null'::jsonb), NULLIF(e.data->'shippingAddress', 'null'::jsonb),
      (e.data->>'placedAt')::timestamptz, ${recordedAt}, e.global_position, (e.data->>'paymentDueAt')::timestamptz
    ${eventsAt}
    ON CONFLICT (order_id) DO NOTHING`,
  OrderPaid: `
    UPDATE order_summaries s
    SET status = 'paid', paid_at = (e.data->>'paidAt')::timestamptz, payment_ref = e.data->>'paymentRef',
        updated_at = ${recordedAt}, last_position = e.global_position
    ${ofItsOrderIfNewer}`,
  OrderShipped: `
    UPDATE order_summaries s
    SET status = 'shipped', shipped_at = (e.data->>'shippedAt')::timestamptz, carrier = e.data->>'carrier',
        tracking_number = e.data->>'trackingNumber', updated_at = ${recordedAt}, last_position = e.global_position
    ${ofItsOrderIfNewer}`,
  OrderDelivered: `
    UPDATE order_summaries s
    SET status = 'delivered', delivered_at = (e.data->>'deliveredAt')::timestamptz, updated_at = ${recordedAt}, last_position = e.global_position
    ${ofItsOrderIfNewer}`,
  OrderCancelled: `
    UPDATE order_summaries s
    SET status = 'cancelled', cancelled_at = (e.data->>'cancelledAt')::timestamptz, cancel_reason = e.data->>'reason',
        refund_cents = (e.data->>'refundCents')::bigint, updated_at = ${recordedAt}, last_position = e.global_position
    ${ofItsOrderIfNewer}`,
};

/**
 * orderSummaries for a read store that is the event store's own database: each statement reads the batch's
 * events from the log by position, so event bodies are neither sent to the daemon nor sent back, and the daemon
 * reads only their positions. Same name, version, tables and rows as `orderSummaries`: either can take over
 * from the other.
 */
export const orderSummariesBesideTheLog: ProjectionDefinition<SqlSession> = {
  ...orderSummaries,
  usesEventData: false,
  // the events carry no data here: an order's events are its stream's, so the stream keys the rounds
  apply: (events, session) =>
    applyInRounds(
      session,
      events.filter((event) => Object.hasOwn(inLogStatements, event.type)),
      (event) => event.streamId,
      (type, group) => [inLogStatements[type], [group.map((event) => event.globalPosition)]],
    ),
};
