// Messages: events as written and as stored, commands, and their metadata.

/** Metadata every event carries; adapters store it verbatim as JSON. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly actor?: string;
  readonly schemaVersion?: number;
  readonly [key: string]: unknown;
}

/** An event as a decider produces it: a past-tense fact. */
export interface Event<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: EventMetadata;
}

/**
 * Where an event sits in the global log, in the order events become visible to readers:
 * the id of the transaction that wrote it, then its global position. Readers resume from the
 * pair, never from the position alone (positions are assigned before commit, so a lower one can
 * become visible after a higher one).
 */
export interface LogCursor {
  readonly transactionId: number;
  readonly position: number;
}

export const logStart: LogCursor = Object.freeze({ transactionId: 0, position: 0 });

/** An event as the store returns it. */
export type StoredEvent<E extends Event = Event> = E & {
  readonly metadata: EventMetadata;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly transactionId: number;
  readonly eventId: string;
  readonly recordedAt: Date;
};

/** Metadata a command arrives with: time and identity come in from outside so decide stays pure. */
export interface CommandMetadata {
  readonly now: Date;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly actor?: string;
  /**
   * Unique per attempt (the command processor draws one when absent); every event of the command carries it as
   * `metadata.commandId`, so a command whose append outcome was lost can be looked up.
   */
  readonly commandId?: string;
  /** Stored with the command's events in one transaction; a command with a key already used is not appended again. */
  readonly idempotency?: IdempotencyKey;
}

/** A client's idempotency key, scoped (to a route, a command type) and with the hash of the request it came with. */
export interface IdempotencyKey {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
}

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

export const compareCursors = (a: LogCursor, b: LogCursor): number =>
  a.transactionId !== b.transactionId ? a.transactionId - b.transactionId : a.position - b.position;

export const cursorOf = (event: Pick<StoredEvent, 'transactionId' | 'globalPosition'>): LogCursor => ({
  transactionId: event.transactionId,
  position: event.globalPosition,
});
