// Counts deadlines by state: pending, late (due longer ago than a bound and not fired), fired, rejected, cancelled.
import type { NamedStatement } from '../postgres-client.js';

/** $1 late bound in ms. Finished deadlines are kept (the audit of what fired), so their counts only grow. */
export const countDeadlines: NamedStatement = {
  name: 'twofold_count_deadlines',
  text: `SELECT CASE WHEN status = 'pending' AND due_at < clock_timestamp() - $1 * interval '1 millisecond' THEN 'late' ELSE status END AS state,
  count(*)::int AS count
FROM twofold_deadlines GROUP BY 1`,
};
