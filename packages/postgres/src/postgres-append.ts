// Appends on PostgreSQL: one statement per append (a single event takes the hot path), with idempotency keys in the
// same transaction, a lost race on an `any` stream retried, and the result read from the appended rows.
import {
  IdempotencyKeyUsed,
  StreamVersionConflict,
  type AppendedStream,
  type AppendOptions,
  type AppendResult,
  type IdempotencyRecord,
  type StreamAppend,
} from '@twofold/core';
import { conflictOf } from './append-conflicts.js';
import { keyedCommandPlaces } from './keyed-command-places.js';
import { runStatement, type NamedStatement, type PostgresClient } from './postgres-client.js';
import { appendEvent, appendEventParams } from './statements/append-event.js';
import { appendEvents, appendEventsParams, type AppendEventsRow } from './statements/append-events.js';
import { insertIdempotencyKeys, insertIdempotencyKeysParams } from './statements/insert-idempotency-keys.js';
import { checkExpectedVersion, matches, readHeads, unchanged, type StreamHead } from './stream-heads.js';

export interface AppendSettings {
  readonly anyVersionRetries: number;
  readonly idempotencyKeyTtlMs: number;
  /** Told of every committed append: its transaction and rows. */
  readonly onAppended: (transactionId: number, position: number, rows: readonly AppendEventsRow[]) => void;
}

export type AppendToStreams = (appends: readonly StreamAppend[], options?: AppendOptions) => Promise<AppendResult>;

function checkAppends(appends: readonly StreamAppend[]): void {
  const seen = new Set<string>();
  for (const append of appends) {
    if (seen.has(append.streamId)) throw new Error(`stream ${append.streamId} appears twice in one append`);
    seen.add(append.streamId);
    checkExpectedVersion(append.expectedVersion);
  }
}

/**
 * A stream appended to without events has nothing to insert: its expectation is checked by a read, which (unlike
 * the insert) does not hold against a concurrent append. Returns the heads it read.
 */
async function checkStreamsWithoutEvents(client: PostgresClient, appends: readonly StreamAppend[]): Promise<Map<string, StreamHead>> {
  const empty = appends.filter((a) => a.events.length === 0);
  const heads = empty.length === 0 ? new Map<string, StreamHead>() : await readHeads(client, empty.map((a) => a.streamId));
  for (const append of empty) {
    const actual = heads.get(append.streamId)?.version ?? 0;
    if (!matches(append.expectedVersion, actual)) throw new StreamVersionConflict(append.streamId, append.expectedVersion, actual);
  }
  return heads;
}

/** Each stream's rows in version order, which is its events' order (RETURNING yields insertion order in practice, unpromised). */
function appendedStreams(rows: readonly AppendEventsRow[]): { written: Map<string, AppendedStream>; position: number } {
  const byStream = new Map<string, { version: number; position: number }[]>();
  let position = 0;
  for (const row of rows) {
    const appended = { version: Number(row.stream_version), position: Number(row.global_position) };
    const stream = byStream.get(row.stream_id) ?? [];
    byStream.set(row.stream_id, stream);
    stream.push(appended);
    position = Math.max(position, appended.position);
  }
  const written = new Map<string, AppendedStream>();
  for (const [streamId, stream] of byStream) {
    stream.sort((a, b) => a.version - b.version);
    const last = stream.at(-1)!;
    written.set(streamId, { streamId, streamVersion: last.version, position: last.position, positions: stream.map((e) => e.position) });
  }
  return { written, position };
}

export function postgresAppend(client: PostgresClient, settings: AppendSettings): AppendToStreams {
  /** Inserts the events; with idempotency keys, in one transaction with the keys (a key already held aborts both). */
  async function insertEvents(statement: NamedStatement, params: unknown[], writing: readonly StreamAppend[], keys: readonly IdempotencyRecord[]): Promise<AppendEventsRow[]> {
    if (keys.length === 0) return (await runStatement<AppendEventsRow>(client, statement, params)).rows;
    return client.transaction(async (session) => {
      const { rows } = await runStatement<AppendEventsRow>(session, statement, params);
      const places = keyedCommandPlaces(writing, rows, keys);
      let stored: { scope: string; key: string }[];
      try {
        stored = (await runStatement<{ scope: string; key: string }>(session, insertIdempotencyKeys, insertIdempotencyKeysParams(keys, places, settings.idempotencyKeyTtlMs))).rows;
      } catch (error) {
        // 21000: one key twice in this append (two retries of one request decided together)
        if ((error as { code?: unknown }).code === '21000') throw new IdempotencyKeyUsed(keys[0]!.scope, keys[0]!.key, { cause: error });
        throw error;
      }
      const held = keys.find((k) => !stored.some((s) => s.scope === k.scope && s.key === k.key));
      if (held !== undefined) throw new IdempotencyKeyUsed(held.scope, held.key);
      return rows;
    });
  }

  /** Inserts in one statement either way (the single-event one is the hot path and plans once), retrying lost `any` races. */
  async function insertWithRetries(writing: readonly StreamAppend[], keys: readonly IdempotencyRecord[]): Promise<AppendEventsRow[]> {
    const single = writing.length === 1 && writing[0]!.events.length === 1 ? writing[0]! : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const [statement, params] =
          single === undefined ? [appendEvents, appendEventsParams(writing)] : [appendEvent, appendEventParams(single.streamId, single.expectedVersion, single.events[0]!)];
        return await insertEvents(statement, params, writing, keys);
      } catch (error) {
        const conflict = await conflictOf(client, error, writing);
        if (conflict === undefined) throw error;
        if (conflict.expectedVersion !== 'any' || attempt >= settings.anyVersionRetries) throw conflict;
      }
    }
  }

  return async function appendToStreams(appends, appendOptions = {}) {
    checkAppends(appends);
    const heads = await checkStreamsWithoutEvents(client, appends);
    const writing = appends.filter((a) => a.events.length > 0);
    if (writing.length === 0) {
      const newest = [...heads.values()].reduce<StreamHead | undefined>((a, b) => (a === undefined || b.position > a.position ? b : a), undefined);
      return { streams: appends.map((a) => unchanged(a.streamId, heads)), position: newest?.position ?? 0, transactionId: newest?.transactionId ?? 0 };
    }
    const rows = await insertWithRetries(writing, appendOptions.idempotencyKeys ?? []);
    const { written, position } = appendedStreams(rows);
    const transactionId = Number(rows[0]!.xid);
    settings.onAppended(transactionId, position, rows);
    return { streams: appends.map((a) => written.get(a.streamId) ?? unchanged(a.streamId, heads)), position, transactionId };
  };
}
