// Compare-and-set of a rebuild's checkpoint, for the generation being built beside the live one; fenced by the lease like the live one.
import type { NamedStatement } from '../postgres-client.js';

/** $8: the fencing token of the lease the batch runs under, or NULL for none (see moveCheckpoints). */
export const moveRebuildCheckpoint: NamedStatement = {
  name: 'twofold_move_rebuild_checkpoint_v2',
  text: `UPDATE twofold_rebuilds r
SET transaction_id = $5, position = $6, last_event_at = $7
FROM twofold_checkpoints c
WHERE r.name = $1 AND r.generation = $2 AND r.transaction_id = $3 AND r.position = $4 AND c.name = r.name
  AND ($8::bigint IS NULL OR EXISTS (SELECT FROM twofold_leases l WHERE l.name = $1 AND l.token = $8::bigint AND l.expires_at > clock_timestamp()))
RETURNING r.generation, c.tables`,
};
