// What a projection daemon reports: each runner's status, and each batch it committed.
import type { LogCursor, StoredEvent } from './messages.js';

export type RunnerState = 'idle' | 'standby' | 'running' | 'rebuilding' | 'paused' | 'failing' | 'failed' | 'stopped';

export interface ProjectionRunnerStatus {
  readonly name: string;
  readonly state: RunnerState;
  readonly cursor: LogCursor | undefined;
  readonly lastError: string | undefined;
}

export type AppliedEvent = Pick<StoredEvent, 'globalPosition' | 'recordedAt'>;

/**
 * The answers a batch may have changed, by key (see ProjectionDefinition.keysChangedBy), or `all` when it cannot
 * say: the projection names no keys, or readers were switched to another generation, or parked events were applied.
 */
export type ChangedKeys = readonly string[] | 'all';

export interface AppliedBatch {
  readonly name: string;
  readonly generation: number | undefined;
  /** True for the generation readers see, false for a rebuild. */
  readonly live: boolean;
  /** Where the checkpoint was before the batch: batches of one generation follow on, each `after` the last's `cursor`. */
  readonly after: LogCursor;
  readonly cursor: LogCursor;
  /** Commit time of the event at `cursor`. */
  readonly lastEventAt: Date;
  /** Events passed to the projection (the ones it handles), not parked ones: what listeners may rely on of each. */
  readonly applied: readonly AppliedEvent[];
  readonly parked: number;
  readonly committedAt: Date;
  /** What readers of the generation may now see changed; [] for a rebuild's batch (no reader sees it yet). */
  readonly changed: ChangedKeys;
}
