// Compare-and-set of a live checkpoint: moves it only if it still is where the batch started and, when the batch
// runs under a lease, that lease's grant is current and unexpired (0 rows: another instance moved it or took over).
import type { NamedStatement } from '../postgres-client.js';

/**
 * Run first in the batch transaction: the row lock it takes keeps a second instance out until commit. $7 is the
 * fencing token of the lease the batch runs under, or NULL for none. A grant taken over after this check cannot
 * commit a batch of its own before this one ends (it waits on the row lock, then finds the checkpoint moved).
 */
export const moveCheckpoint: NamedStatement = {
  name: 'twofold_move_checkpoint_v4',
  text: `UPDATE twofold_checkpoints
SET transaction_id = $4, position = $5, last_event_at = $6, updated_at = now()
WHERE name = $1 AND transaction_id = $2 AND position = $3
  AND ($7::bigint IS NULL OR EXISTS (SELECT FROM twofold_leases l WHERE l.name = $1 AND l.token = $7::bigint AND l.expires_at > clock_timestamp()))
RETURNING generation, tables`,
};
