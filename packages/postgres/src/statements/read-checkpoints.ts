// Reads checkpoints: the named ones, or all when the names are NULL.
import type { NamedStatement } from '../postgres-client.js';

export const readCheckpoints: NamedStatement = {
  name: 'twofold_read_checkpoints',
  text: `SELECT name, version, transaction_id, position, last_event_at, updated_at
FROM twofold_checkpoints
WHERE $1::text[] IS NULL OR name = ANY($1::text[])
ORDER BY name`,
};

export interface CheckpointRow {
  readonly name: string;
  readonly version: number;
  readonly transaction_id: string | number;
  readonly position: string | number;
  readonly last_event_at: Date | string | null;
  readonly updated_at: Date | string;
}
