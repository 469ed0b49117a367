// An append statement: the INSERT, returning what the store answers with. It sends no NOTIFY: other processes hear
// of an append from one sent after its commit (why: postgres-event-store.ts).
import type { NamedStatement } from '../postgres-client.js';

/** `insert` is an INSERT INTO twofold_events without RETURNING. */
export const appendStatement = (name: string, insert: string): NamedStatement => ({
  name,
  text: `${insert}\nRETURNING global_position, stream_id, stream_version, transaction_id::text AS xid, recorded_at`,
});
