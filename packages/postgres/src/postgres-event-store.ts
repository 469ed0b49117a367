// The event store on PostgreSQL and PGlite: one-statement appends, gap-safe reads in commit order, wake-ups through the client.
import { commandEventsOf, type CommandEvents, type EventStore, type LogCursor } from '@twofold/core';
import { toDate, toStoredEvent, type EventRow } from './event-row.js';
import { decodeHead, encodeHead, eventsChannel } from './change-payloads.js';
import { channelSubscriptions } from './channel-subscriptions.js';
import { heldBackWake } from './held-back-wake.js';
import { readModelTransactionsOf } from './read-model-transactions.js';
import { postgresAppend } from './postgres-append.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { recentCursors } from './recent-cursors.js';
import { commandLookupWindow, readCommandEvents, type CommandEventRow } from './statements/read-command-events.js';
import { readAll, readAllNoticingHeldBack, type ReadAllRow } from './statements/read-all.js';
import { readCursorAt } from './statements/read-cursor-at.js';
import { readSessionEnded } from './statements/read-session-ended.js';
import { readHead } from './statements/read-head.js';
import { readStream } from './statements/read-stream.js';

/** The notification channel woken after each append. */
export { eventsChannel } from './change-payloads.js';

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

/** The options with their defaults, checked. */
function settingsOf(options: PostgresEventStoreOptions): Required<PostgresEventStoreOptions> {
  const { anyVersionRetries = 50, heldBackWakeMs = 5, maxHeldBackWakeMs = 200, idempotencyKeyTtlMs = defaultIdempotencyKeyTtlMs } = options;
  if (!Number.isInteger(anyVersionRetries) || anyVersionRetries < 0) throw new RangeError('anyVersionRetries must be a non-negative integer');
  if (!Number.isInteger(heldBackWakeMs) || heldBackWakeMs < 1) throw new RangeError('heldBackWakeMs must be a positive integer');
  if (!Number.isInteger(maxHeldBackWakeMs) || maxHeldBackWakeMs < heldBackWakeMs) throw new RangeError('maxHeldBackWakeMs must be an integer of at least heldBackWakeMs');
  return { anyVersionRetries, heldBackWakeMs, maxHeldBackWakeMs, idempotencyKeyTtlMs };
}

export function postgresEventStore(client: PostgresClient, options: PostgresEventStoreOptions = {}): EventStore {
  const { anyVersionRetries, heldBackWakeMs, maxHeldBackWakeMs, idempotencyKeyTtlMs } = settingsOf(options);
  const subscriptions = channelSubscriptions(client, eventsChannel);
  const heldBack = heldBackWake(subscriptions, heldBackWakeMs, maxHeldBackWakeMs);
  // this process's projection stores on the same client register their open transactions: reads need not wait for them
  const readModelTransactions = readModelTransactionsOf(client);
  const recent = recentCursors(recentCursorsKept);
  const appendToStreams = postgresAppend(client, {
    anyVersionRetries,
    idempotencyKeyTtlMs,
    onAppended(transactionId, position, rows) {
      recent.remember(transactionId, rows);
      // this process hears of it now; other processes from a NOTIFY sent after the commit, in a transaction of its own.
      // Not from the appending statement: a transaction that notifies holds PostgreSQL's one notification lock from
      // its commit's start to its end, its WAL flush included, so every append (and every projector commit, which
      // announces its checkpoints) would wait for each other append's flush in turn: measured, appends answered in
      // 100-375 ms bursts whenever a flush was slow
      client.notify(eventsChannel, encodeHead({ cursor: { transactionId, position }, recordedAt: toDate(rows[0]!.recorded_at) }));
    },
  });

  return {
    appendToStream: (streamId, events, { expectedVersion }) => appendToStreams([{ streamId, events, expectedVersion }]),
    appendToStreams,

    async findCommands(commandIds): Promise<ReadonlyMap<string, CommandEvents>> {
      if (commandIds.length === 0) return new Map();
      const { rows } = await runStatement<CommandEventRow>(client, readCommandEvents, [[...commandIds], commandLookupWindow]);
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
      const { rows } = await runStatement<{ ended: boolean }>(client, readSessionEnded, [session]);
      return rows[0]?.ended === true;
    },

    async readStream(streamId, { fromVersion = 1, maxCount } = {}) {
      if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0)) throw new RangeError(`invalid maxCount ${String(maxCount)}`);
      const { rows } = await runStatement<EventRow>(client, readStream, [streamId, fromVersion, maxCount ?? null]);
      return rows.map(toStoredEvent);
    },

    async readAll({ after, limit, types }) {
      if (limit <= 0) return [];
      const params = [String(after.transactionId), after.position, limit, types === undefined ? null : [...types]];
      if (!client.capabilities.multipleConnections) return (await runStatement<EventRow>(client, readAll, params)).rows.map(toStoredEvent);
      const { rows } = await runStatement<ReadAllRow>(client, readAllNoticingHeldBack, [...params, readModelTransactions.open()]);
      heldBack.saw(rows[0]?.held_back === true);
      return rows.flatMap((row) => (row.global_position === null ? [] : [toStoredEvent(row)]));
    },

    async head() {
      const { rows } = await runStatement<Pick<EventRow, 'global_position' | 'xid' | 'recorded_at'>>(client, readHead);
      const row = rows[0];
      return row === undefined
        ? undefined
        : { cursor: { transactionId: Number(row.xid), position: Number(row.global_position) }, recordedAt: toDate(row.recorded_at) };
    },

    async cursorAt(position): Promise<LogCursor | undefined> {
      if (!Number.isSafeInteger(position) || position < 1) return undefined;
      const appended = recent.transactionAt(position);
      if (appended !== undefined) return { transactionId: appended, position };
      const { rows } = await runStatement<{ xid: string }>(client, readCursorAt, [position]);
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
