// Compare-and-set of a live checkpoint: moves it only if it still is where the batch started (0 rows: another instance moved it).
import type { NamedStatement } from '../postgres-client.js';

/** Run first in the batch transaction: the row lock it takes keeps a second instance out until commit. */
export const moveCheckpoint: NamedStatement = {
  name: 'twofold_move_checkpoint_v3',
  text: `UPDATE twofold_checkpoints
SET transaction_id = $4, position = $5, last_event_at = $6, updated_at = now()
WHERE name = $1 AND transaction_id = $2 AND position = $3
RETURNING generation, tables`,
};
