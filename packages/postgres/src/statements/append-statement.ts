// An append statement: the INSERT, returning what the store answers with. It sends no NOTIFY: a transaction that
// notifies holds PostgreSQL's one notification lock through its commit's WAL flush, so appends that notified waited
// for each other's flushes in turn (and so did every projector commit); other processes hear of an append from a
// NOTIFY sent after its commit (postgres-event-store.ts).
import type { NamedStatement } from '../postgres-client.js';

/** `insert` is an INSERT INTO twofold_events without RETURNING. */
export const appendStatement = (name: string, insert: string): NamedStatement => ({
  name,
  text: `${insert}\nRETURNING global_position, stream_id, stream_version, transaction_id::text AS xid, recorded_at`,
});
