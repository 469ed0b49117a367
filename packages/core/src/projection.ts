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
   * in projections and queries must never qualify these names with a schema.
   */
  readonly tables?: readonly string[];
  /** Above this lag (commit time of the head − commit time of the checkpoint) the projection is `delayed`. Default 500 ms. */
  readonly lagThresholdMs?: number;
  /** What to do with an event that still fails after the retries: park it as a dead letter (default) or stop. */
  readonly onPoisonEvent?: 'park' | 'stop';
  /** Creates its tables; must be idempotent (it runs at every start). */
  readonly setup?: (session: Session) => Promise<void>;
  /** Applies a batch, in log order, inside the transaction that also stores the checkpoint. */
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
}

export interface CheckpointAdvance {
  readonly cursor: LogCursor;
  readonly lastEventAt: Date;
}

/** Exclusive right to run one projection; lost when the connection that holds it dies. */
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
  commitBatch(name: string, from: LogCursor, to: CheckpointAdvance, apply: (session: Session) => Promise<void>): Promise<void>;
  /** Takes the projection's lease if no live instance holds it. */
  tryAcquireLease(name: string): Promise<ProjectionLease | undefined>;
  /** Calls the listener (possibly spuriously) when a checkpoint may have moved, in any process. */
  subscribe(listener: () => void): Unsubscribe;
  close(): Promise<void>;
}
