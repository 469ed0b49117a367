// Which of a generation's tables the readers' views already show as they are now: a projection's setup, run again at
// every start, then recreates only the views that changed, and takes no lock that a read holds against it.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 the readers' schema, $2 the generation's schema, $3 the tables (text[]). One row per table whose view in $1 reads
 * that generation's table and no other relation, with the table's columns as they are now (names, types and order:
 * a view's `SELECT *` is expanded when it is made, so a column added since would be missing from it).
 */
export const readCurrentReaderViews: NamedStatement = {
  name: 'twofold_read_current_reader_views',
  text: `WITH wanted AS (
  SELECT t.name, v.oid AS view_oid, g.oid AS table_oid
  FROM unnest($3::text[]) AS t(name)
  JOIN pg_catalog.pg_namespace vn ON vn.nspname = $1
  JOIN pg_catalog.pg_class v ON v.relnamespace = vn.oid AND v.relname = t.name AND v.relkind = 'v'
  JOIN pg_catalog.pg_namespace gn ON gn.nspname = $2
  JOIN pg_catalog.pg_class g ON g.relnamespace = gn.oid AND g.relname = t.name AND g.relkind IN ('r', 'p')
), reads AS (
  SELECT w.name, array_agg(DISTINCT d.refobjid) AS relations
  FROM wanted w
  JOIN pg_catalog.pg_rewrite r ON r.ev_class = w.view_oid
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
    AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> w.view_oid
  GROUP BY w.name
), columns AS (
  SELECT a.attrelid, array_agg(a.attname::text || ' ' || a.atttypid::text || ' ' || a.atttypmod::text ORDER BY a.attnum) AS list
  FROM pg_catalog.pg_attribute a
  WHERE a.attrelid IN (SELECT view_oid FROM wanted UNION ALL SELECT table_oid FROM wanted) AND a.attnum > 0 AND NOT a.attisdropped
  GROUP BY a.attrelid
)
SELECT w.name
FROM wanted w
JOIN reads ON reads.name = w.name AND reads.relations = ARRAY[w.table_oid]
JOIN columns vc ON vc.attrelid = w.view_oid
JOIN columns tc ON tc.attrelid = w.table_oid AND tc.list = vc.list`,
};
