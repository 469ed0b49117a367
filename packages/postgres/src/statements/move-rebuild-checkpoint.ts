// Compare-and-set of a rebuild's checkpoint, for the generation being built beside the live one.
import type { NamedStatement } from '../postgres-client.js';

export const moveRebuildCheckpoint: NamedStatement = {
  name: 'twofold_move_rebuild_checkpoint',
  text: `UPDATE twofold_rebuilds r
SET transaction_id = $5, position = $6, last_event_at = $7
FROM twofold_checkpoints c
WHERE r.name = $1 AND r.generation = $2 AND r.transaction_id = $3 AND r.position = $4 AND c.name = r.name
RETURNING r.generation, c.tables`,
};
