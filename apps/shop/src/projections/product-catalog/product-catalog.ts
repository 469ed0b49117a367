// The productCatalog projection: one row per sku with price, stock levels and a full-text search vector.
import type { ProjectionDefinition, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';
import { productEventTypes, type ProductAdded, type ProductEvent } from '../../domain/product.js';
import { eventsOfTypes, loggedAt, runInOrder } from '../read-model-parts.js';

/** The text search configuration of the catalog's vector; queries must parse with the same one. */
export const catalogTextSearchConfig = 'english';

const setupStatements = [
  `CREATE TABLE IF NOT EXISTS product_catalog (
    sku text PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL,
    category text NOT NULL,
    price_cents bigint NOT NULL,
    currency text NOT NULL,
    merchant_id text NOT NULL,
    stock_on_hand bigint NOT NULL,
    reserved bigint NOT NULL,
    available bigint GENERATED ALWAYS AS (stock_on_hand - reserved) STORED,
    search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple', sku), 'A') ||
      setweight(to_tsvector('${catalogTextSearchConfig}', name), 'A') ||
      setweight(to_tsvector('${catalogTextSearchConfig}', category), 'B') ||
      setweight(to_tsvector('${catalogTextSearchConfig}', description), 'C')
    ) STORED,
    updated_at timestamptz NOT NULL,
    last_position bigint NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS product_catalog_search_idx ON product_catalog USING gin (search)`,
  `CREATE INDEX IF NOT EXISTS product_catalog_category_price_idx ON product_catalog (category, price_cents)`,
  `CREATE INDEX IF NOT EXISTS product_catalog_price_idx ON product_catalog (price_cents)`,
];

// A product stream starts with ProductAdded, so inserting every ProductAdded of a batch before the
// stock changes keeps each sku's events in log order.
const insertProducts = `
  INSERT INTO product_catalog
    (sku, name, description, category, price_cents, currency, merchant_id, stock_on_hand, reserved, updated_at, last_position)
  SELECT e.sku, e.name, e.description, e.category, e.price_cents, e.currency, e.merchant_id, e.stock, 0, e.recorded_at, e.position
  FROM jsonb_to_recordset($1::jsonb) AS e(
    sku text, name text, description text, category text, price_cents bigint, currency text, merchant_id text, stock bigint,
    recorded_at timestamptz, position bigint)
  ON CONFLICT (sku) DO NOTHING`;

// Stock changes add up, so a batch's changes are summed per sku into one update. Only events newer
// than the row count (a row is fed by one product stream, whose positions rise with its versions),
// so a redelivered or overlapping batch adds nothing twice.
const applyStockChanges = `
  WITH change AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS e(sku text, on_hand bigint, reserved bigint, recorded_at timestamptz, position bigint)
  ), fresh AS (
    SELECT c.sku, sum(c.on_hand) AS on_hand, sum(c.reserved) AS reserved,
           max(c.position) AS position, (array_agg(c.recorded_at ORDER BY c.position DESC))[1] AS recorded_at
    FROM change c JOIN product_catalog p ON p.sku = c.sku AND c.position > p.last_position
    GROUP BY c.sku
  )
  UPDATE product_catalog p
  SET stock_on_hand = p.stock_on_hand + f.on_hand, reserved = p.reserved + f.reserved, updated_at = f.recorded_at, last_position = f.position
  FROM fresh f
  WHERE p.sku = f.sku`;

const productRow = (event: StoredEvent<ProductAdded>) => {
  const { sku, name, description, category, priceCents, currency, merchantId, stock } = event.data;
  return { sku, name, description, category, price_cents: priceCents, currency, merchant_id: merchantId, stock, ...loggedAt(event) };
};

function stockChange(event: StoredEvent<ProductEvent>) {
  const at = { sku: event.data.sku, ...loggedAt(event) };
  switch (event.type) {
    case 'ProductRestocked':
      return { ...at, on_hand: event.data.added, reserved: 0 };
    case 'StockReserved':
      return { ...at, on_hand: 0, reserved: event.data.quantity };
    case 'StockReleased':
      return { ...at, on_hand: 0, reserved: -event.data.quantity };
    case 'ProductAdded':
      return undefined;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const productCatalog: ProjectionDefinition<SqlSession> = {
  name: 'productCatalog',
  version: 1,
  handles: productEventTypes,
  tables: ['product_catalog'],
  setup: runInOrder(setupStatements),
  async apply(events, session) {
    const productEvents = eventsOfTypes<ProductEvent>(events, productEventTypes);
    const added = productEvents.filter((event): event is StoredEvent<ProductAdded> => event.type === 'ProductAdded');
    const changes = productEvents.flatMap((event) => stockChange(event) ?? []);
    if (added.length > 0) await session.query(insertProducts, [JSON.stringify(added.map(productRow))]);
    if (changes.length > 0) await session.query(applyStockChanges, [JSON.stringify(changes)]);
  },
};
