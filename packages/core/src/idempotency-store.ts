// The idempotency store port: the keys commands were appended with (stored by the event store in their transaction), and their answers.

/** The answer a command was given, replayed to every retry with its key. */
export interface RecordedResponse {
  readonly status: number;
  readonly body: unknown;
  readonly position: number;
}

/** A key a committed command holds. */
export interface IdempotencyEntry {
  readonly requestHash: string;
  readonly commandId: string;
  readonly correlationId: string;
  /** The first stream the command wrote to. */
  readonly streamId: string;
  readonly createdAt: Date;
  /** The command's consistency token: the position of its last event. */
  readonly position: number;
  /** The version of `streamId` after the command. */
  readonly streamVersion: number;
  /** Undefined until the command's caller recorded its answer (it may still be on its way, or its process died). */
  readonly response: RecordedResponse | undefined;
}

export interface IdempotencyStore {
  /** Keys older than this are forgotten: treated as absent, and deleted by `deleteExpired`. */
  readonly ttlMs: number;
  /** The key's entry, or undefined when no command holds it (or its entry expired). */
  find(scope: string, key: string): Promise<IdempotencyEntry | undefined>;
  /** Records the answer given to the command that holds the key. */
  recordResponse(scope: string, key: string, response: RecordedResponse): Promise<void>;
  /** Deletes expired keys; returns how many. */
  deleteExpired(): Promise<number>;
}
