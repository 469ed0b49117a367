// Writes a process manager batch's deadlines: new ones, pending ones moved, and ones scheduled and cancelled within the batch.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 a JSON array of { id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status }
 * (status `pending`, or `cancelled` for one the same batch cancelled again). A deadline that already fired or was
 * cancelled stays as it is: a name fires at most once. One a dispatcher holds (being fired) is not moved either.
 */
export const scheduleDeadlines: NamedStatement = {
  name: 'twofold_schedule_deadlines',
  text: `INSERT INTO twofold_deadlines AS d (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, finished_at)
SELECT r.id, r.process, r.instance, r.name, r.due_at, r.command, r.causation_id, r.correlation_id, r.scheduled_by, r.status,
       CASE WHEN r.status = 'cancelled' THEN clock_timestamp() END
FROM jsonb_to_recordset($1::jsonb) AS r(id text, process text, instance text, name text, due_at timestamptz, command jsonb,
                                        causation_id text, correlation_id text, scheduled_by bigint, status text)
ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, command = excluded.command, scheduled_by = excluded.scheduled_by,
  status = excluded.status, finished_at = excluded.finished_at
WHERE d.status = 'pending' AND (d.claimed_by IS NULL OR d.claimed_until <= clock_timestamp())`,
};
