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
 * The ids to cancel are joined, not matched with `id = ANY($4)`: with none to cancel (most batches) and the table not
 * analyzed yet, the planner found the empty list no cheaper by primary key than by the pending index, and read every
 * pending deadline to cancel nothing (15 ms a batch at 5,000 pending, seen in the shop's benchmark).
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
  FROM unnest($4::text[]) AS c(id)
  WHERE d.id = c.id AND d.status = 'pending' AND (d.claimed_by IS NULL OR d.claimed_until <= clock_timestamp())
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
