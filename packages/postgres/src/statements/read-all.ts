// Reads the global log after a cursor, in commit order, never past a transaction that may still commit.
import type { EventRow } from '../event-row.js';
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
 *
 * $4, when not null, lists the types the reader uses: the others come back with empty data and metadata.
 *
 * readAllNoticingHeldBack also says, on every row, whether committed events exist that this read could not
 * return yet (`held_back`): an older transaction still running hides them, and when it ends no append
 * announces them. It always returns at least one row; when no event is readable it is the flag alone, its
 * event columns null. The flag compares the newest event's transaction with the horizon, one index entry read
 * backwards: as an EXISTS over `transaction_id >= horizon` the planner, not knowing the horizon, scanned the
 * whole log when nothing was held back (4 ms at 8,000 events, growing with the log, on every projector read). On PGlite (one connection) nothing can be hidden, and the plain statement is cheaper.
 */
const events = `SELECT global_position, transaction_id::text AS xid, stream_id, stream_version, event_id, event_type,
    CASE WHEN $4::text[] IS NULL OR event_type = ANY($4::text[]) THEN data ELSE '{}'::jsonb END AS data,
    CASE WHEN $4::text[] IS NULL OR event_type = ANY($4::text[]) THEN metadata ELSE '{}'::jsonb END AS metadata,
    recorded_at`;
const visibleAfter = (horizon: string): string => `FROM twofold_events
  WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
    AND transaction_id < ${horizon}
  ORDER BY transaction_id, global_position
  LIMIT $3`;

/**
 * The oldest transaction still running, leaving out $5: this process's open read-model transactions, which append
 * nothing (read-model-transactions.ts). With $5 empty it is pg_snapshot_xmin: the reader holds no xid of its own, so
 * its snapshot's xmin is the least of the running xids, or xmax when none runs. Computed once per statement, from the
 * statement's one snapshot.
 */
const horizonLeavingOut = `(SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot())) FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE x <> ALL($5::text[]::xid8[]))`;

/** For a client with one connection (PGlite), where no other transaction can be open while it reads. */
export const readAll: NamedStatement = {
  name: 'twofold_read_all',
  text: `${events}
  ${visibleAfter('pg_snapshot_xmin(pg_current_snapshot())')}`,
};

/**
 * For a server with concurrent transactions: also says whether committed events were left hidden. $5: the xids of
 * this process's open read-model transactions (text), which need not bound the read.
 */
export const readAllNoticingHeldBack: NamedStatement = {
  name: 'twofold_read_all_noticing_held_back_v2',
  text: `WITH horizon AS MATERIALIZED (SELECT ${horizonLeavingOut} AS xid)
SELECT held.held_back, e.global_position, e.xid, e.stream_id, e.stream_version, e.event_id, e.event_type, e.data, e.metadata, e.recorded_at
FROM (SELECT coalesce((SELECT transaction_id FROM twofold_events ORDER BY transaction_id DESC LIMIT 1) >= (SELECT xid FROM horizon), false) AS held_back) AS held
LEFT JOIN LATERAL (
  ${events}, transaction_id
  ${visibleAfter('(SELECT xid FROM horizon)')}
) AS e ON true
ORDER BY e.transaction_id, e.global_position`,
};

/** A row of readAllNoticingHeldBack: `held_back` on every row, the event's columns null on the single row of an empty read. */
export type ReadAllRow = { readonly held_back: boolean } & ({ readonly global_position: null } | EventRow);
