// Counts deadlines by state: pending, late (due longer ago than a bound and not fired), fired, rejected, cancelled.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 late bound in ms. Pending and late are counted through the pending index (as many as are pending, however many
 * finished before them); fired, rejected and cancelled are the tallies their statements keep (migration 13), summed
 * over their shards. One snapshot: a deadline finished meanwhile is counted once, as pending or as finished.
 */
export const countDeadlines: NamedStatement = {
  name: 'twofold_count_deadlines',
  text: `SELECT CASE WHEN due_at < clock_timestamp() - $1 * interval '1 millisecond' THEN 'late' ELSE 'pending' END AS state, count(*)::bigint AS count
FROM twofold_deadlines WHERE status = 'pending' GROUP BY 1
UNION ALL
SELECT state, sum(count)::bigint FROM twofold_deadline_tallies GROUP BY state`,
};
