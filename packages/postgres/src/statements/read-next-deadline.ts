// When the next pending deadline can be claimed: its due time, or the end of its current claim if later.
import type { NamedStatement } from '../postgres-client.js';

/**
 * The earliest moment any pending deadline can be claimed: min over pending deadlines of due_at, or of the end of
 * the claim (or retry pause) where that is later. Read from the pending index without visiting every pending
 * deadline (the dispatcher asks several times a second, and a shop awaiting payment on half an hour of orders has
 * hundreds of thousands): let U be the due time of the earliest pending deadline never claimed; it can be claimed at
 * U, and no deadline due after U can be claimed earlier than its due time, so only those due at or before U count.
 * They are the ones being fired or paused now, and U's own. U comes from the index of untouched deadlines (migration 12).
 */
export const readNextDeadline: NamedStatement = {
  name: 'twofold_read_next_deadline',
  text: `SELECT min(greatest(due_at, coalesce(claimed_until, due_at))) AS next_at
FROM twofold_deadlines
WHERE status = 'pending'
  AND due_at <= coalesce(
    (SELECT u.due_at FROM twofold_deadlines u WHERE u.status = 'pending' AND u.claimed_until IS NULL ORDER BY u.due_at LIMIT 1),
    'infinity'::timestamptz)`,
};
