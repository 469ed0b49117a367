// Every (event type, schema version) pair the log holds, for a deployment to check at start that it can read them all.
import type { NamedStatement } from '../postgres-client.js';

/**
 * One pass over the log (a sequential scan: on the order of a second per ten million events), run once at start.
 * An event without a numeric schemaVersion in its metadata is version 1.
 */
export const readSchemaVersions: NamedStatement = {
  name: 'twofold_read_schema_versions',
  text: `SELECT event_type AS type,
       CASE WHEN jsonb_typeof(metadata->'schemaVersion') = 'number' THEN (metadata->>'schemaVersion')::numeric ELSE 1 END AS version
FROM twofold_events
GROUP BY 1, 2
ORDER BY 1, 2`,
};

export interface SchemaVersionRow {
  readonly type: string;
  readonly version: string | number;
}
