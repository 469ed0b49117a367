// Appends one event to one stream: the common case, with scalar parameters so the prepared plan is reused.
import { randomUUID } from 'node:crypto';
import type { Event, ExpectedVersion } from '@twofold/core';
import type { NamedStatement } from '../postgres-client.js';

/**
 * The same rules as appendEvents for a single event: version expected + 1, or the current last
 * version + 1 for `any` (NULL expected); an expected version > 0 missing from the stream yields a
 * NULL version and the NOT NULL constraint aborts the insert; the unique (stream_id, stream_version)
 * does the rest.
 */
export const appendEvent: NamedStatement = {
  name: 'twofold_append_event',
  text: `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
SELECT $1::text,
       CASE
         WHEN $2::bigint IS NULL THEN
           coalesce((SELECT max(t.stream_version) FROM twofold_events t WHERE t.stream_id = $1::text), 0) + 1
         WHEN $2::bigint = 0
           OR EXISTS (SELECT FROM twofold_events t WHERE t.stream_id = $1::text AND t.stream_version = $2::bigint) THEN
           $2::bigint + 1
       END,
       $3::uuid, $4::text, $5::jsonb, $6::jsonb
RETURNING global_position, stream_id, stream_version, transaction_id::text AS xid, recorded_at`,
};

export function appendEventParams(streamId: string, expectedVersion: ExpectedVersion, event: Event): unknown[] {
  const expected = expectedVersion === 'any' ? null : expectedVersion === 'no_stream' ? 0 : expectedVersion;
  return [streamId, expected, randomUUID(), event.type, JSON.stringify(event.data ?? null), JSON.stringify(event.metadata ?? {})];
}
