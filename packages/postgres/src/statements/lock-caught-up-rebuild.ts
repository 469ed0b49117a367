// Locks a projection's checkpoint and its rebuild of generation $2 if both are exactly at cursor ($3, $4): the moment to switch readers. No row: either moved.
import type { NamedStatement } from '../postgres-client.js';

export const lockCaughtUpRebuild: NamedStatement = {
  name: 'twofold_lock_caught_up_rebuild',
  text: `SELECT c.generation, c.tables FROM twofold_checkpoints c JOIN twofold_rebuilds r ON r.name = c.name
WHERE c.name = $1 AND r.generation = $2
  AND c.transaction_id = $3 AND c.position = $4 AND r.transaction_id = $3 AND r.position = $4
FOR UPDATE OF c, r`,
};
