// The event store on PostgreSQL and PGlite: one-statement appends, gap-safe reads in commit order, wake-ups through the client.
import {
  commandEventsOf,
  IdempotencyKeyUsed,
  StreamVersionConflict,
  type AppendedStream,
  type AppendOptions,
  type AppendResult,
  type CommandEvents,
  type IdempotencyRecord,
  type EventStore,
  type ExpectedVersion,
  type LogCursor,
  type StreamAppend,
} from '@twofold/core';
import { keyedCommandPlaces, writtenStreams } from './appended-rows.js';
import { toDate, toStoredEvent, type EventRow } from './event-row.js';
import { heldBackWake } from './held-back-wake.js';
import { checkExpectedVersion, conflictingStream, matches, unchanged, type StreamHead } from './expected-versions.js';
import { decodeHead, encodeHead } from './change-payloads.js';
import { channelSubscriptions } from './channel-subscriptions.js';
import { execute, type NamedStatement, type PostgresClient } from './postgres-client.js';
import { appendEvent, appendEventParams } from './statements/append-event.js';
import { appendEvents, appendEventsParams, type AppendEventsRow } from './statements/append-events.js';
import { insertIdempotencyKeys, insertIdempotencyKeysParams } from './statements/insert-idempotency-keys.js';
import { commandLookupWindow, readCommandEvents, type CommandEventRow } from './statements/read-command-events.js';
import { readAll, readAllNoticingHeldBack, type ReadAllRow } from './statements/read-all.js';
import { readCursorAt } from './statements/read-cursor-at.js';
import { readSessionEnded } from './statements/read-session-ended.js';
import { readHead } from './statements/read-head.js';
import { readStreamHeads, type StreamHeadRow } from './statements/read-stream-heads.js';
import { readStream } from './statements/read-stream.js';

/** The notification channel woken after each append. */
export const eventsChannel = 'twofold_events';

export interface PostgresEventStoreOptions {
  /**
   * How many more times an append is tried when a concurrent append took the version it computed
   * for a stream it appends to with `any` (no other expectation is retried: that is a real conflict).
   */
  readonly anyVersionRetries?: number;
  /**
   * When a read finds committed events that an older open transaction still hides, the store wakes its
   * subscribers after this long, then twice as long while they stay hidden, up to `maxHeldBackWakeMs`:
   * no append will announce them when that transaction ends. Default 5 ms.
   */
  readonly heldBackWakeMs?: number;
  /** Default 200 ms. */
  readonly maxHeldBackWakeMs?: number;
  /** An idempotency key older than this may be taken by a new command. Default 24 h; keep it equal to the idempotency store's. */
  readonly idempotencyKeyTtlMs?: number;
}

/** Default lifetime of an idempotency key. */
export const defaultIdempotencyKeyTtlMs = 24 * 60 * 60 * 1000;

/** How many of its own appended events' cursors a store remembers. */
const recentCursorsKept = 65_536;

export function postgresEventStore(client: PostgresClient, options: PostgresEventStoreOptions = {}): EventStore {
  const { anyVersionRetries = 50, heldBackWakeMs = 5, maxHeldBackWakeMs = 200, idempotencyKeyTtlMs = defaultIdempotencyKeyTtlMs } = options;
  if (!Number.isInteger(anyVersionRetries) || anyVersionRetries < 0) throw new RangeError('anyVersionRetries must be a non-negative integer');
  if (!Number.isInteger(heldBackWakeMs) || heldBackWakeMs < 1) throw new RangeError('heldBackWakeMs must be a positive integer');
  if (!Number.isInteger(maxHeldBackWakeMs) || maxHeldBackWakeMs < heldBackWakeMs) throw new RangeError('maxHeldBackWakeMs must be an integer of at least heldBackWakeMs');
  const subscriptions = channelSubscriptions(client, eventsChannel);

  const heldBack = heldBackWake(subscriptions, heldBackWakeMs, maxHeldBackWakeMs);

  // the cursors of this store's own recent appends, so a consistency token it just answered resolves without a query
  const recentCursors = new Map<number, number>();
  function rememberCursors(transactionId: number, rows: readonly { global_position: string | number }[]): void {
    for (const row of rows) recentCursors.set(Number(row.global_position), transactionId);
    // oldest first in a Map: drop those beyond the bound
    for (const position of recentCursors.keys()) {
      if (recentCursors.size <= recentCursorsKept) break;
      recentCursors.delete(position);
    }
  }

  async function readHeads(streamIds: readonly string[]): Promise<Map<string, StreamHead>> {
    const { rows } = await execute<StreamHeadRow>(client, readStreamHeads, [streamIds]);
    return new Map(
      rows.map((row) => [row.stream_id, { version: Number(row.stream_version), position: Number(row.global_position), transactionId: Number(row.xid) }]),
    );
  }

  /** The StreamVersionConflict a failed append means, or undefined when it failed for another reason. */
  async function conflictOf(error: unknown, appends: readonly StreamAppend[]): Promise<StreamVersionConflict | undefined> {
    const { code, constraint, column } = (error ?? {}) as { code?: unknown; constraint?: unknown; column?: unknown };
    const versionTaken = code === '23505' && constraint === 'twofold_events_stream_version_key';
    const versionMissing = code === '23502' && column === 'stream_version';
    if (!versionTaken && !versionMissing) return undefined;
    const named = versionTaken ? appends.find((a) => a.streamId === conflictingStream(error as { detail?: unknown })) : undefined;
    // a lost race on an `any` stream is retried at once: no need to read the actual version
    if (named?.expectedVersion === 'any') return new StreamVersionConflict(named.streamId, 'any', undefined, { cause: error });
    const heads = await readHeads(appends.map((a) => a.streamId)).catch(() => undefined);
    const actual = (streamId: string): number | undefined => (heads === undefined ? undefined : (heads.get(streamId)?.version ?? 0));
    const append =
      named ??
      appends.find((a) => heads !== undefined && !matches(a.expectedVersion, actual(a.streamId)!)) ??
      appends.find((a) => a.expectedVersion !== 'any') ??
      appends[0]!;
    return new StreamVersionConflict(append.streamId, append.expectedVersion, actual(append.streamId), { cause: error });
  }

  /** Inserts the events; with idempotency keys, in one transaction with the keys (a key already held aborts both). */
  async function insertEvents(statement: NamedStatement, params: unknown[], writing: readonly StreamAppend[], keys: readonly IdempotencyRecord[]): Promise<AppendEventsRow[]> {
    if (keys.length === 0) return (await execute<AppendEventsRow>(client, statement, params)).rows;
    return client.transaction(async (session) => {
      const { rows } = await execute<AppendEventsRow>(session, statement, params);
      const places = keyedCommandPlaces(writing, rows, keys);
      let stored: { scope: string; key: string }[];
      try {
        stored = (await execute<{ scope: string; key: string }>(session, insertIdempotencyKeys, insertIdempotencyKeysParams(keys, places, idempotencyKeyTtlMs))).rows;
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

  async function appendToStreams(appends: readonly StreamAppend[], appendOptions: AppendOptions = {}): Promise<AppendResult> {
    const keys = appendOptions.idempotencyKeys ?? [];
    const seen = new Set<string>();
    for (const append of appends) {
      if (seen.has(append.streamId)) throw new Error(`stream ${append.streamId} appears twice in one append`);
      seen.add(append.streamId);
      checkExpectedVersion(append.expectedVersion);
    }
    // A stream appended to without events has nothing to insert: its expectation is checked by a
    // read, which (unlike the insert) does not hold against a concurrent append.
    const empty = appends.filter((a) => a.events.length === 0);
    const heads = empty.length === 0 ? new Map<string, StreamHead>() : await readHeads(empty.map((a) => a.streamId));
    for (const append of empty) {
      const actual = heads.get(append.streamId)?.version ?? 0;
      if (!matches(append.expectedVersion, actual)) throw new StreamVersionConflict(append.streamId, append.expectedVersion, actual);
    }
    const writing = appends.filter((a) => a.events.length > 0);
    if (writing.length === 0) {
      const newest = [...heads.values()].reduce<StreamHead | undefined>((a, b) => (a === undefined || b.position > a.position ? b : a), undefined);
      return {
        streams: appends.map((a) => unchanged(a.streamId, heads)),
        position: newest?.position ?? 0,
        transactionId: newest?.transactionId ?? 0,
      };
    }

    const single = writing.length === 1 && writing[0]!.events.length === 1 ? writing[0]! : undefined;
    let rows: AppendEventsRow[];
    for (let attempt = 0; ; attempt++) {
      try {
        // one statement either way; the single-event one is the hot path and plans once
        const [statement, params] =
          single === undefined
            ? [appendEvents, appendEventsParams(writing)]
            : [appendEvent, appendEventParams(single.streamId, single.expectedVersion, single.events[0]!)];
        rows = await insertEvents(statement, params, writing, keys);
        break;
      } catch (error) {
        const conflict = await conflictOf(error, writing);
        if (conflict === undefined) throw error;
        if (conflict.expectedVersion !== 'any' || attempt >= anyVersionRetries) throw conflict;
      }
    }

    const { streams: written, position } = writtenStreams(rows);
    const transactionId = Number(rows[0]!.xid);
    rememberCursors(transactionId, rows);
    client.notify(eventsChannel, encodeHead({ cursor: { transactionId, position }, recordedAt: toDate(rows[0]!.recorded_at) }));
    return {
      streams: appends.map((a) => written.get(a.streamId) ?? unchanged(a.streamId, heads)),
      position,
      transactionId,
    };
  }

  return {
    appendToStream: (streamId, events, { expectedVersion }) => appendToStreams([{ streamId, events, expectedVersion }]),
    appendToStreams,

    async findCommands(commandIds): Promise<ReadonlyMap<string, CommandEvents>> {
      if (commandIds.length === 0) return new Map();
      const { rows } = await execute<CommandEventRow>(client, readCommandEvents, [[...commandIds], commandLookupWindow]);
      return commandEventsOf(
        rows.map((row) => ({
          streamId: row.stream_id,
          streamVersion: Number(row.stream_version),
          globalPosition: Number(row.global_position),
          transactionId: Number(row.xid),
          metadata: { commandId: row.command_id },
        })),
      );
    },

    async sessionEnded(session) {
      if (!/^\d{1,10}$/.test(session)) return false;
      const { rows } = await execute<{ ended: boolean }>(client, readSessionEnded, [session]);
      return rows[0]?.ended === true;
    },

    async readStream(streamId, { fromVersion = 1, maxCount } = {}) {
      if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0)) throw new RangeError(`invalid maxCount ${String(maxCount)}`);
      const { rows } = await execute<EventRow>(client, readStream, [streamId, fromVersion, maxCount ?? null]);
      return rows.map(toStoredEvent);
    },

    async readAll({ after, limit, types }) {
      if (limit <= 0) return [];
      const params = [String(after.transactionId), after.position, limit, types === undefined ? null : [...types]];
      if (!client.capabilities.multipleConnections) return (await execute<EventRow>(client, readAll, params)).rows.map(toStoredEvent);
      const { rows } = await execute<ReadAllRow>(client, readAllNoticingHeldBack, params);
      heldBack.saw(rows[0]?.held_back === true);
      return rows.flatMap((row) => (row.global_position === null ? [] : [toStoredEvent(row)]));
    },

    async head() {
      const { rows } = await execute<Pick<EventRow, 'global_position' | 'xid' | 'recorded_at'>>(client, readHead);
      const row = rows[0];
      return row === undefined
        ? undefined
        : { cursor: { transactionId: Number(row.xid), position: Number(row.global_position) }, recordedAt: toDate(row.recorded_at) };
    },

    async cursorAt(position): Promise<LogCursor | undefined> {
      if (!Number.isSafeInteger(position) || position < 1) return undefined;
      const appended = recentCursors.get(position);
      if (appended !== undefined) return { transactionId: appended, position };
      const { rows } = await execute<{ xid: string }>(client, readCursorAt, [position]);
      const row = rows[0];
      return row === undefined ? undefined : { transactionId: Number(row.xid), position };
    },

    subscribe: (listener) => subscriptions.subscribe((payload) => listener(decodeHead(payload))),

    /** Ends this store's subscriptions; the client belongs to whoever created it and stays open. */
    async close() {
      heldBack.stop();
      subscriptions.endAll();
    },
  };
}
