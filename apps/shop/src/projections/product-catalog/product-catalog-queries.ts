// Queries over the productCatalog read model: one product by sku, and search by text, category, price and stock.
import { InvalidCommand } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import type { ProductDetails } from '../../domain/product.js';
import { decodeCursor, encodeCursor, pageLimit } from '../page-cursor.js';
import { runningSearch, searchText } from '../search-text.js';
import { catalogTextSearchConfig } from './product-catalog.js';

/** A product as its merchant described it, with its stock now. */
export interface CatalogProduct extends ProductDetails {
  readonly stockOnHand: number;
  readonly reserved: number;
  /** stockOnHand - reserved. */
  readonly available: number;
  readonly updatedAt: Date;
  /** Global position of the last event applied to this product. */
  readonly lastPosition: number;
}

type Int = number | string | bigint;
interface CatalogRow {
  sku: string;
  name: string;
  description: string;
  category: string;
  price_cents: Int;
  currency: string;
  merchant_id: string;
  stock_on_hand: Int;
  reserved: Int;
  available: Int;
  updated_at: Date;
  last_position: Int;
}

const columns = `sku, name, description, category, price_cents, currency, merchant_id, stock_on_hand, reserved, available, updated_at, last_position`;

// bigint arrives as a string from `pg` and as a number from PGlite
const toProduct = (row: CatalogRow): CatalogProduct => ({
  sku: row.sku,
  name: row.name,
  description: row.description,
  category: row.category,
  priceCents: Number(row.price_cents),
  currency: row.currency,
  merchantId: row.merchant_id,
  stockOnHand: Number(row.stock_on_hand),
  reserved: Number(row.reserved),
  available: Number(row.available),
  updatedAt: row.updated_at,
  lastPosition: Number(row.last_position),
});

export async function getProduct(session: SqlSession, sku: string): Promise<CatalogProduct | undefined> {
  const { rows } = await session.query<CatalogRow>(`SELECT ${columns} FROM product_catalog WHERE sku = $1`, [sku]);
  return rows[0] === undefined ? undefined : toProduct(rows[0]);
}

export interface ProductSearch {
  /** Words to find in sku, name, category and description (web search syntax: "quoted phrase", -not, or). */
  readonly q?: string;
  readonly category?: string;
  readonly minPriceCents?: number;
  readonly maxPriceCents?: number;
  /** Only products with available stock. */
  readonly inStock?: boolean;
  /** 1 to 200, default 20. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface ProductSearchPage {
  readonly items: readonly CatalogProduct[];
  /** Undefined on the last page. */
  readonly nextCursor: string | undefined;
}

/** Best text matches first (then by sku); without `q`, by sku. Pages are keyset on (rank, sku). */
export async function searchProducts(session: SqlSession, search: ProductSearch = {}): Promise<ProductSearchPage> {
  const limit = pageLimit(search.limit);
  const q = searchText(search.q);
  for (const field of ['minPriceCents', 'maxPriceCents'] as const) {
    const value = search[field];
    if (value !== undefined && !Number.isSafeInteger(value)) throw new InvalidCommand(`${field} must be an integer`, { field });
  }
  const after = search.cursor === undefined ? undefined : decodeCursor(search.cursor, ['real', 'string']);
  // rank is real (float4): it round-trips exactly through its shortest text form, so the cursor compares equal
  const { rows } = await runningSearch(() =>
    session.query<CatalogRow & { rank: number }>(
    `SELECT ${columns}, rank FROM (
       SELECT p.*, CASE WHEN $1::text IS NULL THEN 0::real ELSE ts_rank(p.search, websearch_to_tsquery('${catalogTextSearchConfig}', $1::text)) END AS rank
       FROM product_catalog p
       WHERE ($1::text IS NULL OR p.search @@ websearch_to_tsquery('${catalogTextSearchConfig}', $1::text))
         AND ($2::text IS NULL OR p.category = $2)
         AND ($3::bigint IS NULL OR p.price_cents >= $3)
         AND ($4::bigint IS NULL OR p.price_cents <= $4)
         AND (NOT $5::boolean OR p.available > 0)
     ) ranked
     WHERE ($6::real IS NULL OR rank < $6 OR (rank = $6 AND sku > $7::text))
     ORDER BY rank DESC, sku
     LIMIT $8`,
    [
      q ?? null,
      search.category ?? null,
      search.minPriceCents ?? null,
      search.maxPriceCents ?? null,
      search.inStock === true,
      after?.[0] ?? null,
      after?.[1] ?? null,
      limit + 1,
    ],
  ));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toProduct),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor([Number(last.rank), last.sku]) : undefined,
  };
}
