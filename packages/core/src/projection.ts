// Projections and the port of the store that keeps their read models together with their checkpoints.
import type { Unsubscribe } from './event-store.js';
import type { LogCursor, StoredEvent } from './messages.js';

export interface ProjectionDefinition<Session> {
  /** Also names its read model, its tables and its checkpoint. */
  readonly name: string;
  /** Bump to rebuild the read model from history. */
  readonly version: number;
  /** The event types it applies; other events only advance its checkpoint. */
  readonly handles: readonly string[];
  /**
   * The tables it owns, created by `setup` with unqualified names. A rebuild creates them anew in a
   * schema of their own beside the live ones and switches readers over when it has caught up, so SQL
   * in projections and queries must never qualify these names with a schema. Live batches of several
   * read models may apply under one search path of all their schemas (PostgreSQL, when no name could
   * then resolve elsewhere): `apply` must not rely on `current_schema()`.
   */
  readonly tables?: readonly string[];
  /** Above this lag (commit time of the head − commit time of the checkpoint) the projection is `delayed`. Default 500 ms. */
  readonly lagThresholdMs?: number;
  /** What to do with an event that still fails after the retries: park it as a dead letter (default) or stop. */
  readonly onPoisonEvent?: 'park' | 'stop';
  /** Creates its tables; must be idempotent (it runs at every start). */
  readonly setup?: (session: Session) => Promise<void>;
  /**
   * False when `apply` reads what it needs of each event itself, by its position (say, from the event log
   * in the same database, set-based): the events it gets may then carry empty data and metadata (`{}`), so
   * the daemon does not pay to fetch and decode them. Default true.
   */
  readonly usesEventData?: boolean;
  /**
   * The keys of the answers an event it handles can change (for a read model of one row per order: the order's id),
   * or undefined when it may change any. With it, an exact answer cache keeps, across a batch, every answer the batch
   * did not touch; without it, every batch may change every answer. It must name every key `apply` writes for the
   * event: a key it leaves out is an answer served stale.
   */
  readonly keysChangedBy?: (event: StoredEvent) => readonly string[] | undefined;
  /**
   * Applies a batch, in log order, inside the transaction that also stores the checkpoint. It writes its read model
   * and never appends events: the log's readers of its process do not wait for its transaction (a command that must
   * follow an event belongs to a process manager, whose deadlines issue it in a transaction of its own).
   */
  readonly apply: (events: readonly StoredEvent[], session: Session) => Promise<void>;
}

export interface ProjectionCheckpoint {
  readonly name: string;
  readonly version: number;
  /** The last event applied or passed over. */
  readonly cursor: LogCursor;
  /** Commit time of that event. */
  readonly lastEventAt: Date | undefined;
  readonly updatedAt: Date;
  /** Which build of the read model readers see; 1 for the first. Absent where the store cannot rebuild. */
  readonly generation?: number;
  /** Paused by an operator: the daemon applies nothing until resumed. */
  readonly paused?: boolean;
  /** A new generation being built beside the live one, switched to when it has caught up. */
  readonly rebuild?: RebuildProgress | undefined;
  /** An operator asked for the dead letters to be applied again. */
  readonly retryRequested?: boolean;
  readonly deadLetterCount?: number;
}

export interface RebuildProgress {
  readonly generation: number;
  readonly version: number;
  readonly cursor: LogCursor;
  readonly lastEventAt: Date | undefined;
  readonly startedAt: Date;
}

/** An event a projection could not apply, parked with its error; later events of its stream are parked behind it. */
export interface DeadLetter {
  readonly id: string;
  readonly projection: string;
  readonly event: StoredEvent;
  readonly error: string;
  readonly parkedAt: Date;
}

export interface NewDeadLetter {
  readonly event: StoredEvent;
  readonly error: string;
}

export interface CommitBatchOptions {
  /** Recorded in the same transaction as the checkpoint move. */
  readonly deadLetters?: readonly NewDeadLetter[];
  /** The generation the batch is for (a rebuild); default the live one. */
  readonly generation?: number;
}

/** A live checkpoint's new place, announced after the batch that moved it committed. */
export interface CheckpointMove {
  readonly name: string;
  readonly cursor: LogCursor;
  readonly lastEventAt: Date | undefined;
}

/** Told of checkpoint moves: what moved, or undefined when the store cannot say. */
export type CheckpointListener = (moves: readonly CheckpointMove[] | undefined) => void;

export interface CheckpointAdvance {
  readonly cursor: LogCursor;
  readonly lastEventAt: Date;
}

/**
 * Exclusive right to run one projection. It expires unless its holder renews it in time; a holder that could not
 * renew (stalled, cut off) finds it `lost` and must stop applying, and the store refuses its commits once another
 * instance was granted the lease (the checkpoint compare-and-set fences it).
 */
export interface ProjectionLease {
  readonly lost: boolean;
  release(): Promise<void>;
}

export interface ProjectionStore<Session> {
  /** Runs the projection's setup and creates its checkpoint if missing; returns the checkpoint. */
  prepare(projection: ProjectionDefinition<Session>): Promise<ProjectionCheckpoint>;
  readCheckpoints(names?: readonly string[]): Promise<readonly ProjectionCheckpoint[]>;
  /**
   * In one transaction: moves the checkpoint from `from` to `to` (only if it still is at `from`,
   * else throws CheckpointMoved and changes nothing) and runs `apply`. Both happen or neither.
   */
  commitBatch(
    name: string,
    from: LogCursor,
    to: CheckpointAdvance,
    apply: (session: Session) => Promise<void>,
    options?: CommitBatchOptions,
  ): Promise<void>;
  /** Takes the projection's lease if no live instance holds it. */
  tryAcquireLease(name: string): Promise<ProjectionLease | undefined>;
  /**
   * Calls the listener (possibly spuriously) when a checkpoint may have moved, in any process: with the live
   * checkpoints' moves when the store knows them, else undefined (read the checkpoints to learn what moved).
   */
  subscribe(listener: CheckpointListener): Unsubscribe;
  /**
   * Calls the listener (possibly spuriously) when an operator changed how a projection runs (pause, resume,
   * rebuild, dead-letter retry), in any process. Runners wait on this, not on every checkpoint move: one
   * projection's batches do not wake the others. A store without it wakes runners through `subscribe`.
   */
  subscribeToControl?(listener: () => void): Unsubscribe;
  close(): Promise<void>;
}

/** Events a projection could not apply, parked per projection until an operator retries or drops them. */
export interface DeadLetterAdministration<Session> {
  readDeadLetters(name?: string): Promise<readonly DeadLetter[]>;
  requestDeadLetterRetry(name: string): Promise<void>;
  /** In one transaction: runs `apply` and deletes the dead letter. Throws what `apply` throws, keeping the letter. */
  retryDeadLetter(name: string, id: string, apply: (session: Session) => Promise<void>): Promise<void>;
  /** Records a failed retry's error and, when `done`, clears the retry request. */
  finishDeadLetterRetry(name: string, failures: readonly { id: string; error: string }[]): Promise<void>;
  /** Deletes dead letters (all of the projection's when `ids` is omitted); returns how many. */
  dropDeadLetters(name: string, ids?: readonly string[]): Promise<number>;
}

/**
 * What a store offers operators beyond running projections: pause, dead letters, rebuilds.
 * The daemon uses each where the store has it (see `administrationOf`).
 */
export interface ProjectionAdministration<Session> extends DeadLetterAdministration<Session> {
  setPaused(name: string, paused: boolean): Promise<void>;
  /** Asks for a new generation at `version`; the daemon that holds the lease builds it. */
  requestRebuild(name: string, version: number): Promise<RebuildProgress>;
  /** Creates the tables of a generation being built (idempotent). */
  prepareGeneration(projection: ProjectionDefinition<Session>, generation: number): Promise<void>;
  /**
   * Switches readers to `generation` if both it and the live generation are exactly at `at`
   * (else throws CheckpointMoved), then drops the old generation. One transaction.
   */
  completeRebuild(name: string, generation: number, at: LogCursor): Promise<void>;
}

export type AdministeredProjectionStore<Session> = ProjectionStore<Session> & ProjectionAdministration<Session>;

/** The store's administration, when it has one. */
export function administrationOf<Session>(store: ProjectionStore<Session>): ProjectionAdministration<Session> | undefined {
  const candidate = store as Partial<ProjectionAdministration<Session>>;
  return typeof candidate.requestRebuild === 'function' && typeof candidate.retryDeadLetter === 'function'
    ? (store as AdministeredProjectionStore<Session>)
    : undefined;
}
