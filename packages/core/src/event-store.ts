// The event store port: append with optimistic concurrency, read a stream, read the global log in commit order.
import type { Event, LogCursor, StoredEvent } from './messages.js';

/** `no_stream`: the stream must not exist; a number: its current version (0 = empty); `any`: no check. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly Event[];
  readonly expectedVersion: ExpectedVersion;
}

export interface AppendedStream {
  readonly streamId: string;
  /** The stream's version after the append. */
  readonly streamVersion: number;
  /** The global position of the stream's last appended event. */
  readonly position: number;
  /** The global position of each event appended to the stream by this append, in order (empty when it appended none). */
  readonly positions: readonly number[];
}

export interface AppendResult {
  readonly streams: readonly AppendedStream[];
  /** The consistency token: the highest global position written. Every event of the append is at or before it. */
  readonly position: number;
  readonly transactionId: number;
}

/** An idempotency key to store in the same transaction as an append's events. */
export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /** The command that holds the key: its events carry this id as `metadata.commandId`. */
  readonly commandId: string;
  readonly correlationId: string;
  /** The first stream the command wrote to. */
  readonly streamId: string;
}

export interface AppendOptions {
  /**
   * Stored atomically with the events; when one is already held (the same scope and key), the append stores
   * nothing and throws IdempotencyKeyUsed.
   */
  readonly idempotencyKeys?: readonly IdempotencyRecord[];
}

/** What one command appended, found by its command id: each stream it wrote, in the order of its first event there. */
export interface CommandEvents {
  readonly streams: readonly AppendedStream[];
  readonly position: number;
  readonly transactionId: number;
}

export interface ReadStreamOptions {
  readonly fromVersion?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this cursor. */
  readonly after: LogCursor;
  readonly limit: number;
  /**
   * The event types the reader will use. Events of other types may come back as markers, their data and
   * metadata empty (`{}`), which still move a reader's cursor past them but cost nothing to decode.
   */
  readonly types?: readonly string[];
}

export interface LogHead {
  readonly cursor: LogCursor;
  readonly recordedAt: Date;
}

export type Unsubscribe = () => void;

/** Told of appends: the newest event one committed, or undefined when the store cannot say (look for yourself). */
export type HeadListener = (committed: LogHead | undefined) => void;

export interface EventStore {
  /** Appends to one stream. Throws StreamVersionConflict when the stream is not at the expected version. */
  appendToStream(streamId: string, events: readonly Event[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult>;
  /** Appends to several streams atomically: all or nothing, each with its own expected version. */
  appendToStreams(appends: readonly StreamAppend[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * The events of the commands with these ids (`metadata.commandId`), by id; a command with none stored is absent.
   * Lets a writer whose connection broke after sending an append learn whether it committed. Optional: a store
   * without it cannot resolve an unknown outcome, and such commands answer OutcomeUnknown.
   */
  findCommands?(commandIds: readonly string[]): Promise<ReadonlyMap<string, CommandEvents>>;
  /**
   * True once the store session with this id (StoreUnavailable.lostSession) has ended: whatever it was doing is then
   * committed or rolled back for good, so a command findCommands does not find after that never committed.
   */
  sessionEnded?(session: string): Promise<boolean>;
  /**
   * The stream's events from `fromVersion` (inclusive, default 1), in version order, at most `maxCount`
   * of them (default all); empty when it does not exist.
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<readonly StoredEvent[]>;
  /**
   * Events after the cursor, in the order they became visible, never skipping one that a later
   * call could still return and never returning one twice.
   */
  readAll(options: ReadAllOptions): Promise<readonly StoredEvent[]>;
  /** The last event readers can see, or undefined for an empty store. */
  head(): Promise<LogHead | undefined>;
  /** The cursor of the event at a global position (to resolve a consistency token), or undefined. */
  cursorAt(position: number): Promise<LogCursor | undefined>;
  /**
   * Calls the listener (possibly spuriously) when new events may be readable: with the newest event of an
   * append that committed, when the store knows it (the head is at least there), else undefined.
   */
  subscribe(listener: HeadListener): Unsubscribe;
  close(): Promise<void>;
}
