// Reads the global log after a cursor, in commit order, never past a transaction that may still commit.
import type { NamedStatement } from '../postgres-client.js';

/**
 * Gap safety (DESIGN 5.1): every transaction below the snapshot's xmin has ended, so no event can
 * still appear below that bound; events are ordered and resumed by (transaction id, position),
 * never by position alone, because a lower position can commit after a higher one.
 * The xid is selected as `xid`, not `transaction_id`, so ORDER BY sorts the xid8 column, not its text.
 *
 * The order is transaction id order. The store's appends take their id in the appending statement,
 * so for them it is commit order within each stream; a transaction that takes its id earlier (it
 * wrote something else first) is placed at its id, before transactions that committed ahead of it.
 */
export const readAll: NamedStatement = {
  name: 'twofold_read_all',
  text: `SELECT global_position, transaction_id::text AS xid, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at
FROM twofold_events
WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY transaction_id, global_position
LIMIT $3`,
};
