// The projection daemon: runs each projection in batches, checkpoint and read model in one transaction;
// parks poison events (and their stream's later events) as dead letters; builds rebuilds beside the live model.
// Its parts: the lease loop (projection-lease-loop), the runner's turns (projection-runner), the live and rebuild
// steps, the batch commit and the dead letters.
import type { EventStore, Unsubscribe } from './event-store.js';
import { silentLogger, type Logger } from './logger.js';
import { administrationOf, type ProjectionDefinition, type ProjectionStore } from './projection.js';
import { runProjection } from './projection-lease-loop.js';
import type { RunnerSettings, RunnerStatusRecord } from './projection-runner-context.js';
import type { AppliedBatch, ProjectionRunnerStatus } from './projection-runner-status.js';
import { createSharedLogTail } from './shared-log-tail.js';

export type { AppliedBatch, AppliedEvent, ChangedKeys, ProjectionRunnerStatus, RunnerState } from './projection-runner-status.js';

export interface ProjectionDaemonOptions<Session> {
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<Session>;
  readonly projections: readonly ProjectionDefinition<Session>[];
  /** Events per batch once caught up (default 500). */
  readonly batchSize?: number;
  /**
   * Events per batch while catching up or rebuilding (default 4 × batchSize): after a full batch the runner
   * is behind, so the next reads double up to this, and fall back to batchSize once one comes back short.
   * Fewer, larger batches share the per-batch work; a batch's transaction stays open longer.
   */
  readonly catchUpBatchSize?: number;
  /** Fallback when no wake-up arrives. */
  readonly pollIntervalMs?: number;
  /**
   * Once caught up, how long new events gather between a runner's batches (default 0: none, each batch at once).
   * Time is cut into windows of this length, and a batch that started in one window lets the next start when the
   * next window begins: at most one batch per window, and the runners of a daemon start theirs at the same moments,
   * so they read the log once and commit in one transaction. Under a steady stream of small appends each batch then
   * carries several and the per-batch work (read, transaction, checkpoint) is shared; lag grows by at most this.
   * Catching up is never slowed: after a full batch the next one follows at once.
   */
  readonly minBatchIntervalMs?: number;
  /** How often a standby instance tries to take a lease held elsewhere. */
  readonly leaseRetryMs?: number;
  /** First pause after a failed batch; doubles up to `maxRetryBackoffMs`. */
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  /**
   * The longest pause while a store is unreachable (StoreUnavailable; default 1,000 ms): a retry then costs one failed
   * connect, and the projection must resume within about this long of the store's return, however long it was away.
   */
  readonly maxUnavailableBackoffMs?: number;
  /** How often a batch whose projection throws is tried before its events are isolated (and parked or stopped on). */
  readonly maxApplyAttempts?: number;
  readonly logger?: Logger;
}

export interface ProjectionDaemon {
  start(): void;
  stop(): Promise<void>;
  statuses(): readonly ProjectionRunnerStatus[];
  /** Called after each committed batch in this process. */
  onProgress(listener: (batch: AppliedBatch) => void): Unsubscribe;
}

/** The options with their defaults, checked: a RangeError names the first that is out of bounds. */
function settingsOf(options: ProjectionDaemonOptions<unknown>): RunnerSettings {
  const {
    batchSize = 500,
    pollIntervalMs = 250,
    minBatchIntervalMs = 0,
    leaseRetryMs = 1000,
    retryBackoffMs = 100,
    maxRetryBackoffMs = 10_000,
    maxUnavailableBackoffMs = 1_000,
    maxApplyAttempts = 3,
  } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const { catchUpBatchSize = 4 * batchSize } = options;
  if (!Number.isInteger(catchUpBatchSize) || catchUpBatchSize < batchSize) throw new RangeError('catchUpBatchSize must be an integer of at least batchSize');
  if (!Number.isInteger(maxApplyAttempts) || maxApplyAttempts < 1) throw new RangeError('maxApplyAttempts must be a positive integer');
  if (!Number.isInteger(minBatchIntervalMs) || minBatchIntervalMs < 0) throw new RangeError('minBatchIntervalMs must be a non-negative integer');
  return { batchSize, catchUpBatchSize, pollIntervalMs, minBatchIntervalMs, leaseRetryMs, retryBackoffMs, maxRetryBackoffMs, maxUnavailableBackoffMs, maxApplyAttempts };
}

function checkUniqueNames(projections: readonly ProjectionDefinition<unknown>[]): void {
  const names = new Set<string>();
  for (const projection of projections) {
    if (names.has(projection.name)) throw new Error(`two projections are named ${projection.name}`);
    names.add(projection.name);
  }
}

export function createProjectionDaemon<Session>(options: ProjectionDaemonOptions<Session>): ProjectionDaemon {
  const { eventStore, projectionStore, projections, logger = silentLogger } = options;
  const settings = settingsOf(options as ProjectionDaemonOptions<unknown>);
  checkUniqueNames(projections as readonly ProjectionDefinition<unknown>[]);
  const administration = administrationOf(projectionStore);
  // the runners read the log through one tail: runners at the same place share a read (one statement, not one
  // each); the types decoded are those some projection uses (none for one that reads what it needs itself)
  const tail = createSharedLogTail(eventStore, { types: [...new Set(projections.flatMap((p) => (p.usesEventData === false ? [] : p.handles)))] });
  const listeners = new Set<(batch: AppliedBatch) => void>();
  const announce = (batch: AppliedBatch): void => {
    for (const listener of listeners) listener(batch);
  };
  const statuses = new Map<string, RunnerStatusRecord>(projections.map((p) => [p.name, { state: 'idle', cursor: undefined, lastError: undefined }]));
  let controller: AbortController | undefined;
  let running: Promise<void>[] = [];
  let stopTellingTail: Unsubscribe | undefined;

  const run = (projection: ProjectionDefinition<Session>, signal: AbortSignal): Promise<void> =>
    runProjection(
      { projection, handled: new Set(projection.handles), store: projectionStore, administration, tail, settings, logger, status: statuses.get(projection.name)!, announce },
      eventStore,
      signal,
    );

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      const signal = controller.signal;
      // told of each append before any runner it wakes reads (they resume after the announcement is dispatched)
      stopTellingTail = eventStore.subscribe(() => tail.logMoved());
      running = projections.map((projection) => run(projection, signal));
    },
    async stop() {
      controller?.abort();
      await Promise.all(running);
      stopTellingTail?.();
      stopTellingTail = undefined;
      controller = undefined;
      running = [];
    },
    statuses() {
      return projections.map((p) => ({ name: p.name, ...statuses.get(p.name)! }));
    },
    onProgress(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
