// Appends events to one or more streams in ONE statement, so a multi-stream append is atomic without a transaction.
import { randomUUID } from 'node:crypto';
import type { StreamAppend } from '@twofold/core';
import type { NamedStatement } from '../postgres-client.js';
import { appendStatement } from './append-statement.js';

/**
 * One element per event, in input order, in a single JSON array parameter: `n` its index, `s` the
 * stream, `x` the expected version (null for `any`, 0 for an empty stream), `o` its 1-based offset
 * within its stream's part of the append, `i` id, `t` type, `d` data, `m` metadata. (A JSON array,
 * not one array parameter per column: the planner cannot see its length, so PostgreSQL keeps one
 * generic plan for the prepared statement instead of planning each call.)
 *
 * Invariants:
 * - global positions are drawn in input order (rows are sorted by `n` before the identity default
 *   is evaluated), so per-stream order is position order;
 * - a stream's new versions are expected + offset; for `any`, the stream's current last version
 *   (in the statement's snapshot) + offset;
 * - an expected version > 0 that is not in the stream yields a NULL version, which the NOT NULL
 *   constraint turns into an error that aborts the whole statement;
 * - beyond that, concurrent writers are kept apart only by the unique (stream_id, stream_version);
 * - a stream's previous version written by a younger transaction than this one (possible only in a caller's
 *   transaction that took its id early) refuses the append (twofold_stream_order_violated, SQLSTATE 40001): the
 *   new event would come before it in log order. In autocommit the statement takes its id after every event it
 *   can see committed, so this never happens there.
 *
 * The version check is a scalar subquery, not EXISTS: for a correlated EXISTS PostgreSQL also plans a
 * hashed alternative that reads the whole table, and with the recordset's default estimate of 100 rows
 * it picks that one, so every append scanned the log (27 million rows read in 15 s of place-order load).
 */
export const appendEvents: NamedStatement = appendStatement('twofold_append_events_v2', `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
SELECT e.s,
       CASE
         WHEN e.x IS NULL THEN
           coalesce((SELECT CASE WHEN t.transaction_id > pg_current_xact_id() THEN twofold_stream_order_violated(t.stream_id, t.transaction_id) ELSE t.stream_version END
                     FROM twofold_events t WHERE t.stream_id = e.s ORDER BY t.stream_version DESC LIMIT 1), 0) + e.o
         WHEN e.x = 0 OR e.o > 1 THEN
           e.x + e.o
         ELSE (SELECT CASE WHEN t.transaction_id > pg_current_xact_id() THEN twofold_stream_order_violated(t.stream_id, t.transaction_id) ELSE e.x + e.o END
               FROM twofold_events t WHERE t.stream_id = e.s AND t.stream_version = e.x)
       END,
       e.i, e.t, coalesce(e.d, 'null'::jsonb), coalesce(e.m, '{}'::jsonb)
FROM jsonb_to_recordset($1::jsonb) AS e(n integer, s text, x bigint, o bigint, i uuid, t text, d jsonb, m jsonb)
ORDER BY e.n`);

export interface AppendEventsRow {
  readonly global_position: string | number;
  readonly stream_id: string;
  readonly stream_version: string | number;
  readonly xid: string;
  readonly recorded_at: Date | string;
}

/** The statement's one parameter. */
export function appendEventsParams(appends: readonly StreamAppend[]): unknown[] {
  const rows: unknown[] = [];
  for (const append of appends) {
    const expected = append.expectedVersion === 'any' ? null : append.expectedVersion === 'no_stream' ? 0 : append.expectedVersion;
    append.events.forEach((event, index) => {
      rows.push({ n: rows.length, s: append.streamId, x: expected, o: index + 1, i: randomUUID(), t: event.type, d: event.data ?? null, m: event.metadata ?? {} });
    });
  }
  return [JSON.stringify(rows)];
}
