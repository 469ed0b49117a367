// Decoding of twofold_events rows into core StoredEvents, the same for pg (bigint as text) and PGlite (bigint as number).
import type { EventMetadata, StoredEvent } from '@twofold/core';

export interface EventRow {
  readonly global_position: string | number;
  /** transaction_id as text: xid8 has no JSON-safe wire form in either driver */
  readonly xid: string;
  readonly stream_id: string;
  readonly stream_version: string | number;
  readonly event_id: string;
  readonly event_type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recorded_at: Date | string;
}

export const toDate = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

export const toStoredEvent = (row: EventRow): StoredEvent => ({
  type: row.event_type,
  data: row.data,
  metadata: row.metadata,
  streamId: row.stream_id,
  streamVersion: Number(row.stream_version),
  globalPosition: Number(row.global_position),
  transactionId: Number(row.xid),
  eventId: row.event_id,
  recordedAt: toDate(row.recorded_at),
});
