// What an append's returned rows say: each stream's new version and positions, and where each keyed command landed.
import type { AppendedStream, IdempotencyRecord, StreamAppend } from '@twofold/core';
import type { AppendEventsRow } from './statements/append-events.js';
import type { KeyedCommandPlace } from './statements/insert-idempotency-keys.js';

type StoredPlace = { readonly version: number; readonly position: number };

/**
 * Each stream's rows in version order, which is its events' append order (and position order): RETURNING yields the
 * rows in insertion order in practice, but PostgreSQL does not promise it.
 */
function rowsByStream(rows: readonly AppendEventsRow[]): Map<string, StoredPlace[]> {
  const byStream = new Map<string, StoredPlace[]>();
  for (const row of rows) {
    const stream = byStream.get(row.stream_id) ?? [];
    byStream.set(row.stream_id, stream);
    stream.push({ version: Number(row.stream_version), position: Number(row.global_position) });
  }
  for (const stream of byStream.values()) stream.sort((a, b) => a.version - b.version);
  return byStream;
}

/** The streams the rows wrote, each at its last version, and the highest position written. */
export function writtenStreams(rows: readonly AppendEventsRow[]): { streams: Map<string, AppendedStream>; position: number } {
  const streams = new Map<string, AppendedStream>();
  let position = 0;
  for (const [streamId, stream] of rowsByStream(rows)) {
    const last = stream.at(-1)!;
    streams.set(streamId, { streamId, streamVersion: last.version, position: last.position, positions: stream.map((e) => e.position) });
    position = Math.max(position, last.position);
  }
  return { streams, position };
}

/**
 * Where each keyed command's events landed, from the appended rows: a stream's rows in version order are its events
 * in append order, and each event names its command (`metadata.commandId`).
 */
export function keyedCommandPlaces(writing: readonly StreamAppend[], rows: readonly AppendEventsRow[], keys: readonly IdempotencyRecord[]): KeyedCommandPlace[] {
  const byStream = rowsByStream(rows);
  const places = new Map<string, { position: number; versions: Map<string, number> }>();
  for (const append of writing) {
    const stored = byStream.get(append.streamId) ?? [];
    append.events.forEach((event, index) => {
      const commandId = event.metadata?.commandId;
      const row = stored[index];
      if (typeof commandId !== 'string' || row === undefined) return;
      const place = places.get(commandId) ?? { position: 0, versions: new Map<string, number>() };
      places.set(commandId, place);
      place.position = Math.max(place.position, row.position);
      place.versions.set(append.streamId, Math.max(place.versions.get(append.streamId) ?? 0, row.version));
    });
  }
  return keys.map((key) => {
    const place = places.get(key.commandId);
    if (place === undefined) throw new Error(`the append holds no event of command ${key.commandId}, whose idempotency key it carries`);
    return { streamVersion: place.versions.get(key.streamId) ?? 0, position: place.position };
  });
}
