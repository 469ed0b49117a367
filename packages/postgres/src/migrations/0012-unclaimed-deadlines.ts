// Migration 12: the pending deadlines no dispatcher has touched, by due time. The dispatcher asks several times a
// second when the next deadline can be claimed; the earliest untouched one bounds the answer, and this index finds
// it at once. Without it, the planner of a table not yet analyzed read every pending deadline to find it.
import type { Migration } from './migration.js';

export const unclaimedDeadlines: Migration = {
  version: 12,
  name: 'unclaimed deadlines',
  statements: [`CREATE INDEX twofold_deadlines_unclaimed ON twofold_deadlines (due_at) WHERE status = 'pending' AND claimed_until IS NULL`],
};
