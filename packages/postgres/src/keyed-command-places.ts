// Where each keyed command's events landed in an append, so its idempotency key records the command's place in the log.
import type { IdempotencyRecord, StreamAppend } from '@twofold/core';
import type { AppendEventsRow } from './statements/append-events.js';
import type { KeyedCommandPlace } from './statements/insert-idempotency-keys.js';

/**
 * From the appended rows: a stream's rows in version order are its events in append order, and each event names its
 * command (`metadata.commandId`).
 */
export function keyedCommandPlaces(writing: readonly StreamAppend[], rows: readonly AppendEventsRow[], keys: readonly IdempotencyRecord[]): KeyedCommandPlace[] {
  const byStream = new Map<string, { version: number; position: number }[]>();
  for (const row of rows) {
    const stream = byStream.get(row.stream_id) ?? [];
    byStream.set(row.stream_id, stream);
    stream.push({ version: Number(row.stream_version), position: Number(row.global_position) });
  }
  const places = new Map<string, { position: number; versions: Map<string, number> }>();
  for (const append of writing) {
    const stored = (byStream.get(append.streamId) ?? []).sort((a, b) => a.version - b.version);
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
