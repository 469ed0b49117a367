// Records a claimed deadline's outcome, if its claimer still holds it and nobody cancelled it meanwhile.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 id, $2 owner, $3 outcome (`fired` or `rejected`), $4 detail. No row: the claim was lost or the deadline cancelled.
 * The outcome's tally (migration 13) grows by one in the same statement, on this backend's shard.
 */
export const finishDeadline: NamedStatement = {
  name: 'twofold_finish_deadline',
  text: `WITH finished AS (
  UPDATE twofold_deadlines SET status = $3, detail = $4, finished_at = clock_timestamp(), claimed_until = NULL
  WHERE id = $1 AND claimed_by = $2 AND status = 'pending'
  RETURNING id, status
), tallied AS (
  INSERT INTO twofold_deadline_tallies AS t (state, shard, count)
  SELECT status, pg_backend_pid() % 16, 1 FROM finished
  ON CONFLICT (state, shard) DO UPDATE SET count = t.count + excluded.count
)
SELECT id FROM finished`,
};
