// What a process manager's batch leaves, in one statement: its instances' states, its deadlines (new, moved or
// cancelled), and the last event it reacted to, moved forward (never back).
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 process; $2 a JSON array of states { instance, state, last_position }; $3 a JSON array of deadlines to schedule
 * { id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status } (status
 * `pending`, or `cancelled` for one the same batch scheduled and cancelled again); $4 the ids of pending deadlines to
 * cancel (text[], none of them among $3's); $5/$6 the transaction id and position of the batch's last event.
 *
 * A deadline that already fired or was cancelled stays as it is: a name fires at most once. One a dispatcher holds is
 * being fired: neither moved nor cancelled (too late; its command decides, and an order paid meanwhile refuses its
 * payment-timeout cancellation).
 *
 * Every deadline this batch leaves cancelled (scheduled and cancelled at once, or cancelled while pending) adds to the
 * `cancelled` tally (migration 13) in the same statement.
 *
 * The cancellation must find its rows by primary key, whatever the planner believes of the pending deadlines: until
 * autovacuum first analyzes the table (a fresh database's first minute, the whole of a benchmark window), it guesses
 * 0.5 % of them pending, so a scan of a pending-deadlines index looks nearly free. Two shapes read every pending
 * deadline that way, in the shop's benchmark: `id = ANY($4)` with nothing to cancel (an empty list "implies" any index
 * predicate, so the emptiest-looking partial index was scanned: 15 ms a batch at 5,000 pending), and `unnest($4)`
 * joined on id (its generic plan looped over the pending index: 1,758 rows for one batch). So:
 * - `cardinality($4) > 0` turns the update into nothing at all when there is nothing to cancel (most batches): folded
 *   away in a plan for the parameters, a one-time filter in a generic plan;
 * - the status is tested as `IS NOT DISTINCT FROM 'pending'` (the same test: status is NOT NULL), which does not
 *   imply the partial indexes' `status = 'pending'`, so neither can be chosen: the primary key is the only index the
 *   planner can use (or, on a table of a few pages, a scan of those; `deadline-statements-plan.int.test.ts`).
 */
export const writeProcessBatch: NamedStatement = {
  name: 'twofold_write_process_batch',
  text: `WITH states AS (
  INSERT INTO twofold_process_states (process, instance, state, last_position)
  SELECT $1, r.instance, r.state, r.last_position FROM jsonb_to_recordset($2::jsonb) AS r(instance text, state jsonb, last_position bigint)
  ON CONFLICT (process, instance) DO UPDATE SET state = excluded.state, last_position = excluded.last_position
  RETURNING 1
), scheduled AS (
  INSERT INTO twofold_deadlines AS d (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, finished_at)
  SELECT r.id, r.process, r.instance, r.name, r.due_at, r.command, r.causation_id, r.correlation_id, r.scheduled_by, r.status,
         CASE WHEN r.status = 'cancelled' THEN clock_timestamp() END
  FROM jsonb_to_recordset($3::jsonb) AS r(id text, process text, instance text, name text, due_at timestamptz, command jsonb,
                                          causation_id text, correlation_id text, scheduled_by bigint, status text)
  ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, command = excluded.command, scheduled_by = excluded.scheduled_by,
    status = excluded.status, finished_at = excluded.finished_at
  WHERE d.status = 'pending' AND (d.claimed_by IS NULL OR d.claimed_until <= clock_timestamp())
  RETURNING d.status
), cancelled AS (
  UPDATE twofold_deadlines d SET status = 'cancelled', finished_at = clock_timestamp()
  WHERE cardinality($4::text[]) > 0 AND d.id = ANY($4::text[]) AND d.status IS NOT DISTINCT FROM 'pending'
    AND (d.claimed_by IS NULL OR d.claimed_until <= clock_timestamp())
  RETURNING 1
), tallied AS (
  INSERT INTO twofold_deadline_tallies AS t (state, shard, count)
  SELECT 'cancelled', pg_backend_pid() % 16, n.count
  FROM (SELECT (SELECT count(*) FROM scheduled WHERE status = 'cancelled') + (SELECT count(*) FROM cancelled) AS count) n
  WHERE n.count > 0
  ON CONFLICT (state, shard) DO UPDATE SET count = t.count + excluded.count
), advanced AS (
  UPDATE twofold_process_managers SET reacted_through_transaction = $5, reacted_through_position = $6
  WHERE name = $1 AND (reacted_through_transaction, reacted_through_position) < ($5::bigint, $6::bigint)
  RETURNING 1
)
SELECT (SELECT count(*) FROM states) AS states, (SELECT count(*) FROM scheduled) AS scheduled,
       (SELECT count(*) FROM cancelled) AS cancelled, (SELECT count(*) FROM advanced) AS advanced`,
};
