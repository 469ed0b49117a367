// Seeds data server-side (INSERT … SELECT over generate_series), in the shapes the shop writes, so large sizes take seconds.
import type pg from 'pg';

/** Words product names and descriptions are made of; searches ask for one of them. */
export const catalogWords = ['amber', 'basalt', 'cedar', 'copper', 'denim', 'ember', 'fjord', 'granite', 'harbor', 'indigo', 'juniper', 'linen', 'maple', 'nickel', 'onyx', 'pebble', 'quartz', 'saffron', 'timber', 'walnut'];

const wordsArray = `ARRAY[${catalogWords.map((w) => `'${w}'`).join(', ')}]`;
const word = (expression: string): string => `(${wordsArray})[1 + ((${expression}) % ${catalogWords.length})]`;

const skuOf = (k: string): string => `'sku-' || ${k}`;

/** ProductAdded for products 0..products-1 on streams `product-sku-<k>`, version 1. */
export async function seedProductEvents(client: pg.ClientBase | pg.Pool, products: number): Promise<void> {
  await client.query(
    `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
     SELECT 'product-' || ${skuOf('k')}, 1, gen_random_uuid(), 'ProductAdded',
            jsonb_build_object('sku', ${skuOf('k')}, 'name', initcap(${word('k')}) || ' ' || ${word('k / 20')} || ' ' || k,
              'description', 'A ' || ${word('k * 7')} || ' thing made of ' || ${word('k * 3')}, 'category', 'cat-' || (k % 20),
              'priceCents', 1000 + k, 'currency', 'EUR', 'merchantId', 'm-' || (k % 20), 'stock', 10000000),
            jsonb_build_object('correlationId', gen_random_uuid())
     FROM generate_series(0, $1::int - 1) AS k`,
    [products],
  );
}

/**
 * Events first..first+count-1 of a product's history after its ProductAdded (version 1), at versions i + 2:
 * one-unit reservations each released by the next event (even i: StockReserved of order `seed-<i/2>`, odd i:
 * its StockReleased), so the stock available moves by one unit at most. One statement, so one transaction.
 */
export async function seedProductHistory(client: pg.ClientBase | pg.Pool, sku: string, first: number, count: number): Promise<void> {
  await client.query(
    `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
     SELECT 'product-' || $1::text, i + 2, gen_random_uuid(),
            CASE WHEN i % 2 = 0 THEN 'StockReserved' ELSE 'StockReleased' END,
            jsonb_build_object('sku', $1::text, 'orderId', 'seed-' || (i / 2), 'quantity', 1),
            '{}'::jsonb
     FROM generate_series($2::int, $2::int + $3::int - 1) AS i
     ORDER BY i`,
    [sku, first, count],
  );
}

/**
 * Orders first..first+count-1, each as the shop writes one: OrderPlaced on `order-o-<i>` (version 1),
 * then StockReserved on its product's stream (order i reserves product i mod products, as that
 * stream's (i div products + 2)-th event). One statement, so one transaction.
 */
export async function seedOrderEvents(client: pg.ClientBase | pg.Pool, first: number, count: number, products: number, placedAt: string): Promise<void> {
  await client.query(
    `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
     SELECT CASE WHEN kind = 0 THEN 'order-o-' || i ELSE 'product-' || ${skuOf('(i % $3)')} END,
            CASE WHEN kind = 0 THEN 1 ELSE i / $3 + 2 END,
            gen_random_uuid(),
            CASE WHEN kind = 0 THEN 'OrderPlaced' ELSE 'StockReserved' END,
            CASE WHEN kind = 0 THEN jsonb_build_object(
              'orderId', 'o-' || i, 'customerId', 'c-' || (i % 5000), 'currency', 'EUR',
              'lines', jsonb_build_array(jsonb_build_object('sku', ${skuOf('(i % $3)')}, 'name', 'Product ' || (i % $3),
                'quantity', 1 + i % 3, 'unitPriceCents', 1000 + i % $3, 'merchantId', 'm-' || (i % $3 % 20))),
              'customer', jsonb_build_object('name', 'Customer ' || (i % 5000), 'email', 'c' || (i % 5000) || '@example.com'),
              'shippingAddress', jsonb_build_object('line1', i || ' Main Street', 'city', 'Berlin', 'postalCode', '10115', 'country', 'DE'),
              'totalCents', (1 + i % 3) * (1000 + i % $3), 'placedAt', $4::text)
            ELSE jsonb_build_object('sku', ${skuOf('(i % $3)')}, 'orderId', 'o-' || i, 'quantity', 1 + i % 3) END,
            jsonb_build_object('correlationId', gen_random_uuid())
     FROM generate_series($1::int, $1::int + $2::int - 1) AS i, (VALUES (0), (1)) AS kinds(kind)
     ORDER BY i, kind`,
    [first, count, products, placedAt],
  );
}

/** What the orderSummaries projection builds from the log, done by one server-side statement: the set-based ceiling. */
export const orderSummariesBySql = (table: string): string => `
  INSERT INTO ${table} (order_id, customer_id, status, currency, total_cents, lines, customer, shipping_address, placed_at, updated_at, last_position)
  SELECT data->>'orderId', data->>'customerId', 'placed', data->>'currency', (data->>'totalCents')::bigint,
         (SELECT jsonb_agg(jsonb_build_object('sku', l->'sku', 'name', l->'name', 'quantity', l->'quantity', 'unitPriceCents', l->'unitPriceCents'))
            FROM jsonb_array_elements(data->'lines') AS l),
         data->'customer', data->'shippingAddress', (data->>'placedAt')::timestamptz, recorded_at, global_position
  FROM twofold_events
  WHERE event_type = 'OrderPlaced'
  ON CONFLICT (order_id) DO NOTHING`;

/** Rows of the orderSummaries read model for orders o-first..o-(first+count-1), straight into its table. */
export async function seedOrderSummaries(client: pg.ClientBase | pg.Pool, first: number, count: number, products: number): Promise<void> {
  await client.query(
    `INSERT INTO order_summaries (order_id, customer_id, status, currency, total_cents, lines, customer, shipping_address, placed_at, updated_at, last_position)
     SELECT 'o-' || i, 'c-' || (i % 50000), 'placed', 'EUR', 1000 + i % 5000,
            jsonb_build_array(jsonb_build_object('sku', ${skuOf('(i % $3)')}, 'name', 'Product ' || (i % $3), 'quantity', 1, 'unitPriceCents', 1000 + i % 5000)),
            jsonb_build_object('name', 'Customer ' || i, 'email', 'c' || i || '@example.com'),
            jsonb_build_object('line1', i || ' Main Street', 'city', 'Berlin', 'postalCode', '10115', 'country', 'DE'),
            now() - make_interval(secs => i), now(), i
     FROM generate_series($1::int, $1::int + $2::int - 1) AS i`,
    [first, count, products],
  );
}

/** Rows of the productCatalog read model for products 0..products-1 (its search vector is generated by the table). */
export async function seedProductCatalog(client: pg.ClientBase | pg.Pool, products: number): Promise<void> {
  await client.query(
    `INSERT INTO product_catalog (sku, name, description, category, price_cents, currency, merchant_id, stock_on_hand, reserved, updated_at, last_position)
     SELECT ${skuOf('k')}, initcap(${word('k')}) || ' ' || ${word('k / 20')} || ' ' || k,
            'A ' || ${word('k * 7')} || ' thing made of ' || ${word('k * 3')} || ' and ' || ${word('k * 11')},
            'cat-' || (k % 20), 1000 + k, 'EUR', 'm-' || (k % 20), 1000, 0, now(), k
     FROM generate_series(0, $1::int - 1) AS k`,
    [products],
  );
}

/** The baseline server's table, with the same orders: its primary-key SELECT is the floor an order-by-id query stands on. */
export async function seedBaselineOrders(client: pg.ClientBase | pg.Pool, first: number, count: number): Promise<void> {
  await client.query(
    `INSERT INTO bench_baseline_orders (order_id, customer_id, body)
     SELECT 'o-' || i, 'c-' || (i % 50000),
            jsonb_build_object('orderId', 'o-' || i, 'customerId', 'c-' || (i % 50000), 'currency', 'EUR',
              'lines', jsonb_build_array(jsonb_build_object('sku', 'sku-' || (i % 1000), 'quantity', 1)))
     FROM generate_series($1::int, $1::int + $2::int - 1) AS i`,
    [first, count],
  );
}
