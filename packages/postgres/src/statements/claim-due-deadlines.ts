// Claims due pending deadlines that nobody holds, earliest first, for a lease: concurrent claimers skip each other's rows.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 owner, $2 lease in ms, $3 limit. SKIP LOCKED: two claims at the same instant take different rows, never one
 * twice; the lease keeps a row from later claims until it ends (server clock), so a holder that died frees it then.
 * "Due" is judged at the statement's start (statement_timestamp(), stable), not per row (clock_timestamp(),
 * volatile): a volatile bound cannot use the pending index, and every claim read all pending deadlines (92 ms each
 * with a few thousand orders awaiting payment).
 * The due rows are chosen once, in a materialized CTE: as `WHERE id IN (SELECT … LIMIT $3 FOR UPDATE SKIP LOCKED)`
 * the planner ran the subquery again for every pending row of a nested-loop semi join, and a claim of 1 took
 * every due deadline.
 */
export const claimDueDeadlines: NamedStatement = {
  name: 'twofold_claim_due_deadlines',
  text: `WITH due AS MATERIALIZED (
  SELECT id FROM twofold_deadlines
  WHERE status = 'pending' AND due_at <= statement_timestamp() AND (claimed_until IS NULL OR claimed_until <= statement_timestamp())
  ORDER BY due_at
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
UPDATE twofold_deadlines d
SET claimed_by = $1, claimed_until = clock_timestamp() + $2 * interval '1 millisecond', attempts = d.attempts + 1
FROM due
WHERE d.id = due.id AND d.status = 'pending'
RETURNING d.id, d.process, d.instance, d.name, d.due_at, d.command, d.causation_id, d.correlation_id, d.attempts`,
};
