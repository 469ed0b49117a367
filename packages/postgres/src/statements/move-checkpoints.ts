// Compare-and-set of live checkpoints, several in one statement: the batches of a shared transaction claim their read
// models at once, one round trip instead of one each. A checkpoint moves only if it still is where its batch started
// and, when the batch runs under a lease, that lease's grant is current and unexpired. Run first in the transaction:
// the row locks keep a second instance out until commit (a grant taken over after this check cannot commit a batch of
// its own before this one ends: it waits on the row lock, then finds the checkpoint moved).
import type { NamedStatement } from '../postgres-client.js';
import { checkpointsChannel } from '../projection-notifications.js';

/**
 * Parallel arrays, one element per batch: $1 names, $2/$3 where each batch started, $4/$5 where it ends, $6 its last
 * event's time, $7 the fencing token of the lease it runs under (NULL for none), $8 what to announce on the checkpoints
 * channel once it commits (NULL for nothing: never for a rolled-back move, and without a round trip of its own).
 * Returns the rows that moved, each with the transaction's xid (the log's readers in this process need not wait for
 * it: see read-model-transactions.ts); a name missing from the answer was moved by another instance, or its lease is
 * no longer current, and nothing of it changed (nor is it announced).
 * The rows are locked in name order, so two transactions claiming overlapping sets wait for each other, never deadlock;
 * one that waited re-checks where the checkpoint is once it has the row.
 */
export const moveCheckpoints: NamedStatement = {
  name: 'twofold_move_checkpoints_v3',
  text: `WITH moves AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[], $7::bigint[], $8::text[])
    AS m (name, from_transaction_id, from_position, to_transaction_id, to_position, last_event_at, fence, announcement)
), claimed AS (
  SELECT c.name FROM twofold_checkpoints c JOIN moves m ON m.name = c.name
  WHERE c.transaction_id = m.from_transaction_id AND c.position = m.from_position
    AND (m.fence IS NULL OR EXISTS (SELECT FROM twofold_leases l WHERE l.name = m.name AND l.token = m.fence AND l.expires_at > clock_timestamp()))
  ORDER BY c.name
  FOR UPDATE OF c
)
UPDATE twofold_checkpoints c
SET transaction_id = m.to_transaction_id, position = m.to_position, last_event_at = m.last_event_at, updated_at = now()
FROM moves m JOIN claimed USING (name)
WHERE c.name = m.name
RETURNING c.name, c.generation, c.tables, pg_current_xact_id()::text AS xid,
  CASE WHEN m.announcement IS NOT NULL THEN pg_notify('${checkpointsChannel}', m.announcement) END AS announced`,
};
