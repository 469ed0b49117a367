// What the parts of a projection runner share: the projection, its store and log tail, the daemon's settings, its status.
import type { Logger } from './logger.js';
import type { LogCursor } from './messages.js';
import type { ProjectionAdministration, ProjectionDefinition, ProjectionStore } from './projection.js';
import type { AppliedBatch, RunnerState } from './projection-runner-status.js';
import type { SharedLogTail } from './shared-log-tail.js';

/** The daemon's options, checked and with their defaults (see ProjectionDaemonOptions for each). */
export interface RunnerSettings {
  readonly batchSize: number;
  readonly catchUpBatchSize: number;
  readonly pollIntervalMs: number;
  readonly minBatchIntervalMs: number;
  readonly leaseRetryMs: number;
  readonly retryBackoffMs: number;
  readonly maxRetryBackoffMs: number;
  readonly maxUnavailableBackoffMs: number;
  readonly maxApplyAttempts: number;
}

/** A runner's status as it changes; `statuses()` hands out copies. */
export interface RunnerStatusRecord {
  state: RunnerState;
  cursor: LogCursor | undefined;
  lastError: string | undefined;
}

/** One projection's runner: what does not change while it runs. */
export interface RunnerContext<Session> {
  readonly projection: ProjectionDefinition<Session>;
  /** The event types the projection applies; others only advance its checkpoint. */
  readonly handled: ReadonlySet<string>;
  readonly store: ProjectionStore<Session>;
  /** The store's administration (pause, dead letters, rebuilds), when it has one. */
  readonly administration: ProjectionAdministration<Session> | undefined;
  readonly tail: SharedLogTail;
  readonly settings: RunnerSettings;
  readonly logger: Logger;
  readonly status: RunnerStatusRecord;
  /** Tells the daemon's progress listeners of a committed batch. */
  readonly announce: (batch: AppliedBatch) => void;
}

/** What a runner remembers from step to step, and from one lease to the next. */
export interface RunnerMemory {
  /** Streams with a dead letter: their later events are parked behind it, in log order. */
  parkedStreams: Set<string>;
  /** Rebuild generations whose tables this runner has created. */
  readonly preparedGenerations: Set<number>;
}

/** The projection's own code threw: a poison candidate, unlike a store failure. */
export class ProjectionApplyFailed extends Error {
  constructor(readonly projection: string, cause: unknown) {
    super(`${projection} could not apply: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The message a status or dead letter shows: the projection's own error, not its wrapper. */
export const messageOf = (error: unknown): string =>
  error instanceof ProjectionApplyFailed && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);

export function reportFailure(status: RunnerStatusRecord, error: unknown, state: RunnerState = 'failing'): void {
  status.state = state;
  status.lastError = messageOf(error);
}
