// Appends one event to one stream: the common case, with scalar parameters so the prepared plan is reused.
import { randomUUID } from 'node:crypto';
import type { Event, ExpectedVersion } from '@twofold/core';
import type { NamedStatement } from '../postgres-client.js';
import { appendStatement } from './append-statement.js';

/**
 * The same rules as appendEvents for a single event: version expected + 1, or the current last
 * version + 1 for `any` (NULL expected); an expected version > 0 missing from the stream yields a
 * NULL version and the NOT NULL constraint aborts the insert; the unique (stream_id, stream_version)
 * does the rest. A transaction younger than this one's wrote the stream's previous version: refused
 * (twofold_stream_order_violated), as the event would come before it in log order.
 */
export const appendEvent: NamedStatement = appendStatement('twofold_append_event_v2', `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
SELECT $1::text,
       CASE
         WHEN $2::bigint IS NULL THEN
           coalesce((SELECT CASE WHEN t.transaction_id > pg_current_xact_id() THEN twofold_stream_order_violated(t.stream_id, t.transaction_id) ELSE t.stream_version END
                     FROM twofold_events t WHERE t.stream_id = $1::text ORDER BY t.stream_version DESC LIMIT 1), 0) + 1
         WHEN $2::bigint = 0 THEN 1
         ELSE (SELECT CASE WHEN t.transaction_id > pg_current_xact_id() THEN twofold_stream_order_violated(t.stream_id, t.transaction_id) ELSE $2::bigint + 1 END
               FROM twofold_events t WHERE t.stream_id = $1::text AND t.stream_version = $2::bigint)
       END,
       $3::uuid, $4::text, $5::jsonb, $6::jsonb`);

export function appendEventParams(streamId: string, expectedVersion: ExpectedVersion, event: Event): unknown[] {
  const expected = expectedVersion === 'any' ? null : expectedVersion === 'no_stream' ? 0 : expectedVersion;
  return [streamId, expected, randomUUID(), event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {})];
}
