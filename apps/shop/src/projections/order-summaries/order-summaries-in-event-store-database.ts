// orderSummaries for a read store that is the event store's own database: the statements read the batch's events from the log.
import type { ProjectionDefinition } from '@twofold/core';
import { eventsAtPositions, type SqlSession } from '@twofold/postgres';
import { orderEventTypes, orderOfStream, type OrderEvent } from '../../domain/order.js';
import { applyInRounds, orderSummaries } from './order-summaries.js';
import { columnOf, orderSummaryWrites, type ColumnKind } from './order-summary-row.js';

/** A column's value read from the logged event's data; times are cut to milliseconds and lines keep four fields, as the batch's rows have them. */
const valueOf = (field: string, kind: ColumnKind): string => {
  switch (kind) {
    case 'text':
      return `e.data->>'${field}'`;
    case 'bigint':
    case 'timestamptz':
      return `(e.data->>'${field}')::${kind}`;
    case 'jsonb':
      return `NULLIF(e.data->'${field}', 'null'::jsonb)`;
    case 'lines':
      return `COALESCE((SELECT jsonb_agg(jsonb_build_object('sku', l.line->'sku', 'name', l.line->'name', 'quantity', l.line->'quantity',
                                                    'unitPriceCents', l.line->'unitPriceCents') ORDER BY l.n)
                FROM jsonb_array_elements(e.data->'${field}') WITH ORDINALITY AS l(line, n)), '[]'::jsonb)`;
  }
};

const recordedAt = "date_trunc('milliseconds', e.recorded_at)";

// $1 lists the positions of the batch's events of one type, at most one per order. An update's events are joined
// to their orders' rows and applied only to rows that have not seen a later event.
function statementFor(type: OrderEvent['type']): string {
  const { status, sets } = orderSummaryWrites[type];
  const values = Object.entries(sets).map(([key, { field, kind }]) => [columnOf(key), valueOf(field, kind)] as const);
  if (type === 'OrderPlaced') {
    return `INSERT INTO order_summaries (order_id, status, ${values.map(([column]) => column).join(', ')}, updated_at, last_position)
      SELECT e.data->>'orderId', '${status}', ${values.map(([, value]) => value).join(', ')}, ${recordedAt}, e.global_position
      FROM ${eventsAtPositions('$1')} e
      ON CONFLICT (order_id) DO NOTHING`;
  }
  return `UPDATE order_summaries s
    SET status = '${status}', ${values.map(([column, value]) => `${column} = ${value}`).join(', ')}, updated_at = ${recordedAt}, last_position = e.global_position
    FROM ${eventsAtPositions('$1')} e
    WHERE s.order_id = e.data->>'orderId' AND s.last_position < e.global_position`;
}

const statements = Object.fromEntries(orderEventTypes.map((type) => [type, statementFor(type)])) as Record<OrderEvent['type'], string>;

/**
 * Each statement reads the batch's events from the log by position, so event bodies are neither sent to the daemon
 * nor sent back, and the daemon reads only their positions. Same name, version, tables and rows as `orderSummaries`:
 * either can take over from the other.
 */
export const orderSummariesInEventStoreDatabase: ProjectionDefinition<SqlSession> = {
  ...orderSummaries,
  usesEventData: false,
  // no data to read the order from: its stream names it (an order's events are its stream's)
  keysChangedBy: (event) => {
    const orderId = orderOfStream(event.streamId);
    return orderId === undefined ? undefined : [orderId];
  },
  // the events carry no data here: an order's events are its stream's, so the stream keys the rounds
  apply: (events, session) =>
    applyInRounds(
      session,
      events.filter((event) => Object.hasOwn(statements, event.type)),
      (event) => event.streamId,
      (type, group) => [statements[type], [group.map((event) => event.globalPosition)]],
    ),
};
