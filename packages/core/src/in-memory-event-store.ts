// An event store in memory: for unit tests and the `memory` store; commit order equals position order.
import { randomUUID } from 'node:crypto';
import { IdempotencyKeyUsed, StreamVersionConflict } from './errors.js';
import { commandEventsOf } from './write-side/command-events.js';
import type { AppendOptions, AppendResult, CommandEvents, EventStore, ExpectedVersion, HeadListener, LogHead, StreamAppend } from './event-store.js';
import { compareCursors, type LogCursor, type StoredEvent } from './messages.js';

export interface InMemoryEventStoreOptions {
  readonly now?: () => Date;
}

/** A deep-frozen JSON copy, so no caller can change what the store holds. */
const asStored = <T>(value: T): T => deepFreeze(JSON.parse(JSON.stringify(value ?? null)) as T);
const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};

function checkMaxCount(maxCount: number | undefined): void {
  if (maxCount !== undefined && (!Number.isSafeInteger(maxCount) || maxCount < 0)) throw new RangeError(`invalid maxCount ${String(maxCount)}`);
}

/** Records the append's idempotency keys, or throws IdempotencyKeyUsed when one is taken (or given twice). */
function takeIdempotencyKeys(idempotencyKeys: Set<string>, options: AppendOptions): void {
  const keys = (options.idempotencyKeys ?? []).map((record) => ({ record, id: JSON.stringify([record.scope, record.key]) }));
  const taken = keys.find(({ id }, index) => idempotencyKeys.has(id) || keys.findIndex((other) => other.id === id) !== index);
  if (taken !== undefined) throw new IdempotencyKeyUsed(taken.record.scope, taken.record.key);
  for (const { id } of keys) idempotencyKeys.add(id);
}

/** The event as the store keeps it: frozen, with its place in the log. */
function storedEventOf(
  event: StreamAppend['events'][number],
  place: Pick<StoredEvent, 'streamId' | 'streamVersion' | 'globalPosition' | 'transactionId' | 'recordedAt'>,
): StoredEvent {
  return Object.freeze({
    type: event.type,
    // through JSON, as SQL stores keep it: a Date comes back as a string here too
    data: asStored(event.data),
    metadata: asStored(event.metadata ?? {}),
    streamId: place.streamId,
    streamVersion: place.streamVersion,
    globalPosition: place.globalPosition,
    transactionId: place.transactionId,
    eventId: randomUUID(),
    recordedAt: place.recordedAt,
  });
}

export function inMemoryEventStore(options: InMemoryEventStoreOptions = {}): EventStore {
  const { now = () => new Date() } = options;
  const log: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  const listeners = new Set<HeadListener>();
  let transactions = 0;
  /** Idempotency keys by scope and key (as JSON of the pair). */
  const idempotencyKeys = new Set<string>();

  const versionOf = (streamId: string): number => streams.get(streamId)?.length ?? 0;

  const check = (streamId: string, expected: ExpectedVersion): void => {
    const actual = versionOf(streamId);
    const ok = expected === 'any' || (expected === 'no_stream' ? actual === 0 : expected === actual);
    if (!ok) throw new StreamVersionConflict(streamId, expected, actual);
  };

  const appendToStreams = async (appends: readonly StreamAppend[], options: AppendOptions = {}): Promise<AppendResult> => {
    const seen = new Set<string>();
    for (const append of appends) {
      if (seen.has(append.streamId)) throw new Error(`stream ${append.streamId} appears twice in one append`);
      seen.add(append.streamId);
      check(append.streamId, append.expectedVersion);
    }
    takeIdempotencyKeys(idempotencyKeys, options);
    const transactionId = ++transactions;
    const recordedAt = now();
    const results = appends.map((append) => {
      const stream = streams.get(append.streamId) ?? [];
      streams.set(append.streamId, stream);
      const positions: number[] = [];
      for (const event of append.events) {
        const stored = storedEventOf(event, { streamId: append.streamId, streamVersion: stream.length + 1, globalPosition: log.length + 1, transactionId, recordedAt });
        stream.push(stored);
        log.push(stored);
        positions.push(stored.globalPosition);
      }
      return { streamId: append.streamId, streamVersion: stream.length, position: stream.at(-1)?.globalPosition ?? 0, positions };
    });
    const newest = log.at(-1);
    const committed: LogHead | undefined =
      newest?.transactionId === transactionId ? { cursor: { transactionId, position: newest.globalPosition }, recordedAt } : undefined;
    // nothing written: nothing to announce
    if (committed !== undefined) queueMicrotask(() => listeners.forEach((listener) => listener(committed)));
    return { streams: results, position: log.length, transactionId };
  };

  return {
    appendToStream: (streamId, events, { expectedVersion }) => appendToStreams([{ streamId, events, expectedVersion }]),
    appendToStreams,
    async findCommands(commandIds): Promise<ReadonlyMap<string, CommandEvents>> {
      const wanted = new Set(commandIds);
      return commandEventsOf(log.filter((event) => typeof event.metadata.commandId === 'string' && wanted.has(event.metadata.commandId)));
    },
    async readStream(streamId, { fromVersion = 1, maxCount } = {}) {
      checkMaxCount(maxCount);
      const start = Math.max(0, fromVersion - 1);
      return (streams.get(streamId) ?? []).slice(start, maxCount === undefined ? undefined : start + maxCount);
    },
    async readAll({ after, limit }) {
      // positions are dense and in commit order here, so the cursor's position indexes the log
      const start = log.findIndex((event) => compareCursors({ transactionId: event.transactionId, position: event.globalPosition }, after) > 0);
      return start < 0 ? [] : log.slice(start, start + limit);
    },
    async head() {
      const last = log.at(-1);
      return last === undefined ? undefined : { cursor: { transactionId: last.transactionId, position: last.globalPosition }, recordedAt: last.recordedAt };
    },
    async cursorAt(position): Promise<LogCursor | undefined> {
      const event = log[position - 1];
      return event === undefined ? undefined : { transactionId: event.transactionId, position: event.globalPosition };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {},
  };
}
