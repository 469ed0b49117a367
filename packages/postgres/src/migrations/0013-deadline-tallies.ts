// Migration 13: how many deadlines ever fired, were rejected or were cancelled, kept as they finish. Finished deadlines
// stay in twofold_deadlines (the audit of what fired), so counting them there at each /metrics scrape read a table
// that only grows; the statements that finish or cancel a deadline now add to these tallies in the same statement.
// A tally is split over shards (a backend adds to its own) so that concurrent finishes rarely wait on one row.
import type { Migration } from './migration.js';

export const deadlineTallies: Migration = {
  version: 13,
  name: 'deadline tallies',
  statements: [
    `CREATE TABLE twofold_deadline_tallies (
      state text NOT NULL CHECK (state IN ('fired', 'rejected', 'cancelled')),
      shard smallint NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (state, shard)
    )`,
    // the deadlines finished before this migration, once
    `INSERT INTO twofold_deadline_tallies (state, shard, count)
     SELECT status, 0, count(*) FROM twofold_deadlines WHERE status <> 'pending' GROUP BY status`,
  ],
};
