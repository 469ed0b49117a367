// The names an unqualified reference could resolve to in more than one of the given schemas: relations other than
// indexes, functions, and types of their own (not a relation's row type, not an array's).
import type { NamedStatement } from '../postgres-client.js';

/** $1 the schemas (text[]); one row per name found in two or more of them, with those schemas. */
export const readSharedNames: NamedStatement = {
  name: 'twofold_read_shared_names',
  text: `WITH objects AS (
  SELECT c.relname::text AS name, n.nspname::text AS schema
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY($1::text[]) AND c.relkind NOT IN ('i', 'I', 't', 'c')
  UNION
  SELECT p.proname::text, n.nspname::text
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY($1::text[])
  UNION
  SELECT t.typname::text, n.nspname::text
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = ANY($1::text[]) AND t.typrelid = 0 AND t.typelem = 0
)
SELECT name, array_agg(schema ORDER BY schema) AS schemas FROM objects GROUP BY name HAVING count(*) > 1`,
};
