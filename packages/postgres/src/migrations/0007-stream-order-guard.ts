// Migration 7: the error an append raises when it would put a stream's event before an earlier version in log order.
import type { Migration } from './migration.js';

/**
 * The log is read in (transaction id, position) order. An append in autocommit takes its transaction id after every
 * event it can see committed, so each stream's versions follow each other in log order. A transaction that took its
 * id earlier (a caller's transaction that wrote something first) and then appends after a younger transaction's event
 * of the same stream would land before it: the append statements refuse that with this error. SQLSTATE 40001
 * (serialization failure): running the whole transaction again succeeds.
 */
export const streamOrderGuard: Migration = {
  version: 7,
  name: 'stream order guard',
  statements: [
    `CREATE FUNCTION twofold_stream_order_violated(stream text, previous xid8) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'append to stream % would come before its previous event in log order', stream
    USING ERRCODE = '40001',
          DETAIL = format('This transaction took its id (%s) before the transaction that wrote the stream''s last event (%s).', pg_current_xact_id(), previous),
          HINT = 'Append in a transaction of its own (the store does), or before the transaction writes anything else; or run the transaction again.';
END
$$`,
  ],
};
