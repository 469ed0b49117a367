// The orderSummaries projection: one row per order with its status, lines and lifecycle times.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { orderEventTypes, type OrderEvent } from '../../domain/order.js';
import { byType, roundsOfDistinctKeys } from '../rounds.js';
import { columnOf, fieldsSetBy, orderSummaryWrites } from './order-summary-row.js';
import { eventsOfTypes, loggedAt, runInOrder } from '../read-model-parts.js';

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
const sqlTypeOf = { text: 'text', bigint: 'bigint', timestamptz: 'timestamptz', jsonb: 'jsonb', lines: 'jsonb' } as const;

function statementFor(type: OrderEvent['type']): string {
  const { status, sets } = orderSummaryWrites[type];
  const columns = Object.keys(sets).map(columnOf);
  const recordset = `jsonb_to_recordset($1::jsonb) AS e(order_id text, ${Object.entries(sets)
    .map(([key, source]) => `${columnOf(key)} ${sqlTypeOf[source.kind]}`)
    .join(', ')}, recorded_at timestamptz, position bigint)`;
  if (type === 'OrderPlaced') {
    return `INSERT INTO order_summaries (order_id, status, ${columns.join(', ')}, updated_at, last_position)
      SELECT e.order_id, '${status}', ${columns.map((column) => `e.${column}`).join(', ')}, e.recorded_at, e.position
      FROM ${recordset}
      ON CONFLICT (order_id) DO NOTHING`;
  }
  return `UPDATE order_summaries s
    SET status = '${status}', ${columns.map((column) => `${column} = e.${column}`).join(', ')}, updated_at = e.recorded_at, last_position = e.position
    FROM ${recordset}
    WHERE s.order_id = e.order_id AND s.last_position < e.position`;
}

const statements = Object.fromEntries(orderEventTypes.map((type) => [type, statementFor(type)])) as Record<OrderEvent['type'], string>;

/** The row fields an event sets, named as the statement's recordset columns. */
function rowOf(event: StoredEvent<OrderEvent>): Record<string, unknown> {
  const fields = Object.entries(fieldsSetBy(event, (time) => time)).map(([key, value]) => [columnOf(key), value]);
  return { order_id: event.data.orderId, ...loggedAt(event), ...Object.fromEntries(fields) };
}

/** The order an event's row is: the key of the rows, the rounds and the answers. */
const orderOf = (event: StoredEvent<OrderEvent>): string => event.data.orderId;

export const orderSummaries: ProjectionDefinition<SqlSession> = {
  name: 'orderSummaries',
  version: 1,
  handles: orderEventTypes,
  tables: ['order_summaries'],
  setup: runInOrder(setupStatements),
  // one row per order: an order's event changes its row only
  keysChangedBy: (event) => [orderOf(event as StoredEvent<OrderEvent>)],
  apply: (events, session) =>
    applyInRounds(
      session,
      eventsOfTypes<OrderEvent>(events, orderEventTypes),
      orderOf,
      (type, group) => [statements[type], [JSON.stringify(group.map(rowOf))]],
    ),
};

/**
 * One statement per event type per round: a round holds at most one event per order, and rounds keep each
 * order's events in log order. `statementOf` gives the statement and its parameters for a round's group.
 */
export async function applyInRounds<E extends StoredEvent>(
  session: SqlSession,
  events: readonly E[],
  orderOf: (event: E) => string,
  statementOf: (type: OrderEvent['type'], group: readonly E[]) => [string, unknown[]],
): Promise<void> {
  for (const round of roundsOfDistinctKeys(events, orderOf)) {
    for (const [type, group] of byType(round)) await session.query(...statementOf(type as OrderEvent['type'], group));
  }
}
