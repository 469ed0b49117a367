// Reads the last event readers can see: the newest in commit order below the oldest running transaction.
import type { NamedStatement } from '../postgres-client.js';

export const readHead: NamedStatement = {
  name: 'twofold_read_head',
  text: `SELECT global_position, transaction_id::text AS xid, recorded_at
FROM twofold_events
WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id DESC, global_position DESC
LIMIT 1`,
};
