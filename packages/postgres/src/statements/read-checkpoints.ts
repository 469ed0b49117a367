// Reads checkpoints with their rebuild and dead-letter count: the named ones, or all when the names are NULL.
import type { NamedStatement } from '../postgres-client.js';

export const readCheckpoints: NamedStatement = {
  name: 'twofold_read_checkpoints_v3',
  text: `SELECT c.name, c.version, c.transaction_id, c.position, c.last_event_at, c.updated_at,
  c.generation, c.paused, c.retry_requested, c.tables,
  r.generation AS rebuild_generation, r.version AS rebuild_version, r.transaction_id AS rebuild_transaction_id,
  r.position AS rebuild_position, r.last_event_at AS rebuild_last_event_at, r.started_at AS rebuild_started_at,
  (SELECT count(*) FROM twofold_dead_letters d WHERE d.projection = c.name) AS dead_letters
FROM twofold_checkpoints c LEFT JOIN twofold_rebuilds r ON r.name = c.name
WHERE $1::text[] IS NULL OR c.name = ANY($1::text[])
ORDER BY c.name`,
};

export interface CheckpointRow {
  readonly name: string;
  readonly version: number;
  readonly transaction_id: string | number;
  readonly position: string | number;
  readonly last_event_at: Date | string | null;
  readonly updated_at: Date | string;
  readonly generation: number;
  readonly paused: boolean;
  readonly retry_requested: boolean;
  readonly tables: string[] | null;
  readonly rebuild_generation: number | null;
  readonly rebuild_version: number | null;
  readonly rebuild_transaction_id: string | number | null;
  readonly rebuild_position: string | number | null;
  readonly rebuild_last_event_at: Date | string | null;
  readonly rebuild_started_at: Date | string | null;
  readonly dead_letters: string | number;
}
