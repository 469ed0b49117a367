// Reads the snapshot of a stream for a stream model, whatever its model version.
import type { NamedStatement } from '../postgres-client.js';

export const readSnapshot: NamedStatement = {
  name: 'twofold_read_snapshot',
  text: `SELECT model_version, stream_version, global_position, transaction_id, state
FROM twofold_snapshots
WHERE stream_id = $1 AND model = $2`,
};

export interface SnapshotRow {
  readonly model_version: number;
  readonly stream_version: string | number;
  readonly global_position: string | number;
  readonly transaction_id: string | number;
  readonly state: unknown;
}
