// Errors: one class per decision a caller makes. Adapters translate native errors into these and keep them as `cause`.

export abstract class TwofoldError extends Error {
  /** A stable, machine-readable code, e.g. `insufficient_stock`. */
  abstract readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

/** The stream moved since it was read: reload and decide again. */
export class StreamVersionConflict extends TwofoldError {
  readonly code = 'version_conflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'any' | 'no_stream',
    readonly actualVersion?: number,
    options?: { cause?: unknown },
  ) {
    super(
      `stream ${streamId} is not at the expected version ${String(expectedVersion)}` +
        (actualVersion === undefined ? '' : ` (it is at ${actualVersion})`),
      { streamId, expectedVersion, ...(actualVersion === undefined ? {} : { actualVersion }) },
      options,
    );
  }
}

/** The thing asked about does not exist. */
export class NotFound extends TwofoldError {
  readonly code: string;
  constructor(what: string, id: string, code = 'not_found') {
    super(`${what} ${id} not found`, { [what]: id });
    this.code = code;
  }
}

/** The command is malformed: the caller must fix its input. */
export class InvalidCommand extends TwofoldError {
  readonly code = 'invalid_input';
}

/** The command is well formed but a business rule refuses it (e.g. insufficient stock). */
export class CommandRejected extends TwofoldError {
  constructor(
    readonly code: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, details);
  }
}

/** The command is not allowed in the current state (e.g. paying a cancelled order): refresh and reconsider. */
export class IllegalTransition extends TwofoldError {
  readonly code = 'illegal_transition';
  constructor(
    readonly entity: string,
    readonly from: string,
    readonly command: string,
  ) {
    super(`cannot ${command} ${/^[aeiou]/i.test(entity) ? 'an' : 'a'} ${entity} that is ${from}`, { entity, state: from, command });
  }
}

/** A store or broker could not be reached; the caller may retry later. */
export class StoreUnavailable extends TwofoldError {
  readonly code = 'store_unavailable';
  /**
   * True when the connection was lost after the statement had been sent: a write may have been applied
   * (its outcome is unknown). False when it never reached the store, so nothing it asked for happened.
   */
  readonly statementSent: boolean;
  /** The store's id of the session that was lost, when known: once that session has ended, its outcome is settled. */
  readonly lostSession: string | undefined;
  constructor(message: string, options?: { cause?: unknown; statementSent?: boolean; lostSession?: string }) {
    super(message, {}, options);
    this.statementSent = options?.statementSent ?? false;
    this.lostSession = options?.lostSession;
  }
}

/**
 * A command was sent to the store and the connection was lost before its outcome came back, and looking its
 * command id up afterwards could not tell either. Retrying blindly may apply it twice (503 without Retry-After).
 */
export class OutcomeUnknown extends TwofoldError {
  readonly code = 'outcome_unknown';
  /** The command carried an idempotency key: a retry with it is applied at most once, so it may simply be retried. */
  readonly retrySafe: boolean;
  constructor(
    readonly commandId: string,
    options?: { cause?: unknown; retrySafe?: boolean },
  ) {
    super(
      `the command was sent to the store but the connection broke before its outcome was known, and it could not be looked up: ` +
        `retry with the same Idempotency-Key (it is applied at most once), or look for events whose metadata.commandId is ${commandId} ` +
        `(GET /api/streams/:id) before sending it again`,
      { commandId },
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.retrySafe = options?.retrySafe ?? false;
  }
}

/** An append carried an idempotency key that a committed command already holds: answer that command's response instead. */
export class IdempotencyKeyUsed extends TwofoldError {
  readonly code = 'idempotency_key_used';
  constructor(
    readonly scope: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`the idempotency key was already used for ${scope}`, { scope }, options);
  }
}

/** Too much is already waiting or running: the caller may retry later (503 with Retry-After). */
export class Overloaded extends TwofoldError {
  readonly code = 'overloaded';
  constructor(message: string) {
    super(message, {});
  }
}

/** Another instance advanced a projection's checkpoint: this one must reload and re-check its lease. */
export class CheckpointMoved extends TwofoldError {
  readonly code = 'checkpoint_moved';
  constructor(readonly projection: string) {
    super(`the checkpoint of ${projection} was moved by another instance`, { projection });
  }
}
