// Queries over the orderSearch read model: full text and filters, newest first, keyset paged.
import { InvalidCommand } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import type { OrderStatus } from '../../domain/order.js';
import { orderSearchTextConfig } from './order-search.js';
import { decodeCursor, encodeCursor, pageLimit } from '../page-cursor.js';
import { runningSearch, searchText } from '../search-text.js';
import { isStorableDate, requireOptionalDate, requireRange } from '../time-range.js';

export interface FoundOrderLine {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface FoundOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly customerName: string | null;
  readonly customerEmail: string | null;
  readonly status: OrderStatus;
  readonly currency: string;
  readonly totalCents: number;
  readonly lines: readonly FoundOrderLine[];
  readonly placedAt: Date;
  readonly updatedAt: Date;
}

export interface OrderSearch {
  /** Words of the customer's name, email or id, the order id, product names or skus (web search syntax: "phrase", -not, or). */
  readonly q?: string;
  readonly customerId?: string;
  /** Orders with a line of this sku. */
  readonly sku?: string;
  readonly status?: OrderStatus;
  /** Placed at or after. */
  readonly from?: Date;
  /** Placed before. */
  readonly to?: Date;
  /** 1 to 200, default 20. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface OrderSearchPage {
  readonly items: readonly FoundOrder[];
  /** Undefined on the last page. */
  readonly nextCursor: string | undefined;
}

interface FoundOrderRow {
  order_id: string;
  customer_id: string;
  customer_name: string | null;
  customer_email: string | null;
  status: OrderStatus;
  currency: string;
  total_cents: number | string | bigint;
  lines: FoundOrderLine[];
  placed_at: Date;
  updated_at: Date;
}

// bigint arrives as a string from `pg` and as a number from PGlite
const toFoundOrder = (row: FoundOrderRow): FoundOrder => ({
  orderId: row.order_id,
  customerId: row.customer_id,
  customerName: row.customer_name,
  customerEmail: row.customer_email,
  status: row.status,
  currency: row.currency,
  totalCents: Number(row.total_cents),
  lines: row.lines,
  placedAt: row.placed_at,
  updatedAt: row.updated_at,
});

/**
 * At most this many matches of a text are sorted in memory. A text rarer than that is searched through the text
 * index, where finding nothing costs nothing; walking the newest-first index instead reads every order when nothing
 * matches, which the planner chooses whenever it overestimates how common a word is (always, before the table is
 * analyzed). A commoner text takes the newest-first index, which finds a page of dense matches soon.
 */
export const textMatchesSortedInMemory = 1_000;

export interface OrderSearchStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

const columns = 'order_id, customer_id, customer_name, customer_email, status, currency, total_cents, lines, s.placed_at, updated_at';

// $1 text, $2 customer, $3 sku, $4 status, $5 from, $6 to, $7 and $8 the cursor; a null parameter filters nothing
const filters = `($2::text IS NULL OR customer_id = $2)
       AND ($3::text IS NULL OR skus @> ARRAY[$3::text])
       AND ($4::text IS NULL OR status = $4)
       AND ($5::timestamptz IS NULL OR placed_at >= $5)
       AND ($6::timestamptz IS NULL OR placed_at < $6)
       AND ($7::timestamptz IS NULL OR (placed_at, order_id) < ($7::timestamptz, $8::text))`;

const matchesText = `search @@ websearch_to_tsquery('${orderSearchTextConfig}', $1::text)`;

/** The page through the newest-first indexes: every search without text, and texts with many matches. */
const newestFirst = `SELECT ${columns}
     FROM order_search s
     WHERE ($1::text IS NULL OR ${matchesText})
       AND ${filters}
     ORDER BY s.placed_at DESC, order_id DESC
     LIMIT $9`;

/** The page out of at most $10 matches found through the text index, each row with how many there were ($10 meaning more). */
const throughTextIndex = `WITH matches AS MATERIALIZED (
       SELECT order_id, placed_at FROM order_search
       WHERE ${matchesText}
         AND ${filters}
       LIMIT $10
     )
     SELECT ${columns}, (SELECT count(*) FROM matches) AS matched
     FROM (SELECT order_id, placed_at FROM matches ORDER BY placed_at DESC, order_id DESC LIMIT $9) page
     JOIN order_search s USING (order_id)
     ORDER BY s.placed_at DESC, order_id DESC`;

/**
 * The statements of a search: through the text index first when there is a text, else (or when that finds more than
 * `textMatchesSortedInMemory` matches) newest first. Exported for the test that checks their plans.
 */
export function orderSearchStatements(search: OrderSearch = {}): { readonly throughTextIndex: OrderSearchStatement | undefined; readonly newestFirst: OrderSearchStatement } {
  const limit = pageLimit(search.limit);
  const q = searchText(search.q);
  requireOptionalDate('from', search.from);
  requireOptionalDate('to', search.to);
  requireRange(search.from, search.to);
  // event times are JavaScript ISO strings, so placed_at has millisecond precision and round-trips through the cursor
  const after = search.cursor === undefined ? undefined : decodeCursor(search.cursor, ['string', 'string']);
  const afterPlacedAt = after === undefined ? undefined : new Date(after[0]);
  if (afterPlacedAt !== undefined && !isStorableDate(afterPlacedAt)) throw new InvalidCommand('cursor is not one this query returned', { field: 'cursor' });
  const values = [
    q ?? null,
    search.customerId ?? null,
    search.sku ?? null,
    search.status ?? null,
    search.from?.toISOString() ?? null,
    search.to?.toISOString() ?? null,
    afterPlacedAt?.toISOString() ?? null,
    after?.[1] ?? null,
    limit + 1,
  ];
  return {
    throughTextIndex: q === undefined ? undefined : { text: throughTextIndex, values: [...values, textMatchesSortedInMemory + 1] },
    newestFirst: { text: newestFirst, values },
  };
}

/** Orders newest first (by placedAt, then orderId) matching every criterion given; pages are keyset, so stable under inserts. */
export async function searchOrders(session: SqlSession, search: OrderSearch = {}): Promise<OrderSearchPage> {
  const limit = pageLimit(search.limit);
  const statements = orderSearchStatements(search);
  const rows = await runningSearch(async () => {
    if (statements.throughTextIndex !== undefined) {
      const found = await session.query<FoundOrderRow & { matched: number | string | bigint }>(statements.throughTextIndex.text, statements.throughTextIndex.values);
      const matched = Number(found.rows[0]?.matched ?? 0);
      if (matched <= textMatchesSortedInMemory) return found.rows;
    }
    return (await session.query<FoundOrderRow>(statements.newestFirst.text, statements.newestFirst.values)).rows;
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toFoundOrder),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor([last.placed_at.toISOString(), last.order_id]) : undefined,
  };
}
