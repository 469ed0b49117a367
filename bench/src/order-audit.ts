// Audits what a write-side cell left in the log against the answers it got: each accepted order written once with
// its reservation, nothing written for a refused one, no product reserved beyond its stock.
import type pg from 'pg';

type Sql = pg.ClientBase | pg.Pool;

/** What a cell sent and heard: orders `<orderIdPrefix>-0` … `<orderIdPrefix>-<attempts - 1>`, one unit of one product each. */
export interface OrderOutcomes {
  readonly orderIdPrefix: string;
  readonly attempts: number;
  /** Sequence numbers answered 202. */
  readonly accepted: ReadonlySet<number>;
  /** Sequence numbers the request failed for, without an answer: written or not, both are right. */
  readonly unanswered: ReadonlySet<number>;
}

export interface OversoldProduct {
  readonly streamId: string;
  readonly stockOnHand: number;
  readonly reserved: number;
}

export interface OrderAudit {
  /** OrderPlaced events of the cell's orders. */
  readonly placed: number;
  /** StockReserved events appended to the cell's products during the cell. */
  readonly reservations: number;
  readonly oversold: readonly OversoldProduct[];
  /** Empty when the log agrees with the answers. */
  readonly violations: readonly string[];
}

const productStream = (sku: string): string => `product-${sku}`;
const orderStream = (orderId: string): string => `order-${orderId}`;

/** Each product's stream version before a cell: the reservations of the cell are those above it. */
export async function productHeads(sql: Sql, skus: readonly string[]): Promise<ReadonlyMap<string, number>> {
  const { rows } = await sql.query<{ stream_id: string; version: string }>(
    'SELECT stream_id, max(stream_version) AS version FROM twofold_events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id',
    [skus.map(productStream)],
  );
  const versions = new Map(rows.map((row) => [row.stream_id, Number(row.version)]));
  return new Map(skus.map((sku) => [sku, versions.get(productStream(sku)) ?? 0]));
}

/** Compares the log after a cell with its answers; `heads` are the products it ordered from, read before it. */
export async function auditOrders(sql: Sql, outcomes: OrderOutcomes, heads: ReadonlyMap<string, number>): Promise<OrderAudit> {
  const { orderIdPrefix, attempts, accepted, unanswered } = outcomes;
  const sent = Array.from({ length: attempts }, (_, n) => `${orderIdPrefix}-${n}`);
  const placedRows = await sql.query<{ stream_id: string }>("SELECT stream_id FROM twofold_events WHERE stream_id = ANY($1::text[]) AND event_type = 'OrderPlaced'", [
    sent.map(orderStream),
  ]);
  const placed = new Set(placedRows.rows.map((row) => row.stream_id.slice('order-'.length)));
  const streams = [...heads.keys()].map(productStream);
  const reservedRows = await sql.query<{ order_id: string }>(
    `SELECT e.data->>'orderId' AS order_id
     FROM unnest($1::text[], $2::bigint[]) AS h(stream_id, version)
     JOIN twofold_events e ON e.stream_id = h.stream_id AND e.stream_version > h.version
     WHERE e.event_type = 'StockReserved'`,
    [streams, [...heads.values()]],
  );
  const reservedTimes = new Map<string, number>();
  for (const { order_id } of reservedRows.rows) reservedTimes.set(order_id, (reservedTimes.get(order_id) ?? 0) + 1);
  const stock = await sql.query<{ stream_id: string; on_hand: string; reserved: string }>(
    `SELECT stream_id,
            sum(CASE event_type WHEN 'ProductAdded' THEN (data->>'stock')::bigint WHEN 'ProductRestocked' THEN coalesce(data->>'added', data->>'quantity')::bigint ELSE 0 END) AS on_hand,
            sum(CASE event_type WHEN 'StockReserved' THEN (data->>'quantity')::bigint WHEN 'StockReleased' THEN -(data->>'quantity')::bigint ELSE 0 END) AS reserved
     FROM twofold_events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
    [streams],
  );
  const oversold = stock.rows
    .map((row) => ({ streamId: row.stream_id, stockOnHand: Number(row.on_hand), reserved: Number(row.reserved) }))
    .filter((product) => product.reserved > product.stockOnHand);

  const lost = sent.filter((_, n) => accepted.has(n) && !placed.has(sent[n]!));
  const unacknowledged = sent.filter((_, n) => !accepted.has(n) && !unanswered.has(n) && placed.has(sent[n]!));
  const unreserved = [...placed].filter((orderId) => reservedTimes.get(orderId) !== 1);
  const strayReservations = [...reservedTimes.keys()].filter((orderId) => !placed.has(orderId));
  const examples = (ids: readonly string[]): string => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', …' : '');
  const violations = [
    ...(lost.length > 0 ? [`${lost.length} orders answered 202 but no OrderPlaced in the log (${examples(lost)})`] : []),
    ...(unacknowledged.length > 0 ? [`${unacknowledged.length} orders refused but written (${examples(unacknowledged)})`] : []),
    ...(unreserved.length > 0 ? [`${unreserved.length} placed orders without exactly one StockReserved (${examples(unreserved)})`] : []),
    ...(strayReservations.length > 0 ? [`${strayReservations.length} StockReserved for no placed order of the cell (${examples(strayReservations)})`] : []),
    ...oversold.map((p) => `${p.streamId} oversold: ${p.reserved} reserved of ${p.stockOnHand} on hand`),
  ];
  return { placed: placed.size, reservations: reservedRows.rows.length, oversold, violations };
}
