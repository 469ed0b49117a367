DROP TABLE IF EXISTS order_search;
CREATE TABLE order_search (
    order_id text PRIMARY KEY, customer_id text NOT NULL, customer_name text, customer_email text, status text NOT NULL,
    currency text NOT NULL, total_cents bigint NOT NULL, skus text[] NOT NULL, lines jsonb NOT NULL, placed_at timestamptz NOT NULL,
    search tsvector NOT NULL, updated_at timestamptz NOT NULL, last_position bigint NOT NULL);
CREATE INDEX order_search_search_idx ON order_search USING gin (search);
CREATE INDEX order_search_skus_idx ON order_search USING gin (skus);
CREATE INDEX order_search_placed_idx ON order_search (placed_at DESC, order_id DESC);
CREATE INDEX order_search_customer_idx ON order_search (customer_id, placed_at DESC, order_id DESC);
CREATE INDEX order_search_status_idx ON order_search (status, placed_at DESC, order_id DESC);
WITH o AS (
  SELECT n, 'ord-' || lpad(n::text, 6, '0') AS order_id, 'cust-' || (n % 2000) AS customer_id,
         (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Margaret','Ken','Dennis','Frances'])[1 + n % 10] || ' ' ||
         (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Hamilton','Thompson','Ritchie','Allen','Kay','Wirth'])[1 + (n / 10) % 12] AS name,
         'sku-' || (n % 40) AS sku, (ARRAY['mug','kettle','teapot','plate','bowl','spoon','glass','jar'])[1 + n % 8] AS product,
         timestamptz '2026-01-01' + (n * interval '5 minutes') AS placed_at
  FROM generate_series(1, 100000) AS n)
INSERT INTO order_search
SELECT order_id, customer_id, name, lower(replace(name, ' ', '.')) || '@example.com',
       (ARRAY['placed','paid','shipped','delivered','cancelled'])[1 + n % 5], 'EUR', 1250 * (1 + n % 4), ARRAY[sku],
       jsonb_build_array(jsonb_build_object('sku', sku, 'name', 'Stoneware ' || product, 'quantity', 1 + n % 4, 'unitPriceCents', 1250)),
       placed_at,
       setweight(to_tsvector('simple', order_id || ' ' || customer_id || ' ' || name || ' ' || lower(replace(name, ' ', '.')) || '@example.com ' || lower(replace(name, ' ', '.')) || ' example.com'), 'A')
         || setweight(to_tsvector('simple', sku || ' Stoneware ' || product), 'B'),
       placed_at, n
FROM o;
VACUUM ANALYZE order_search;
