// The projection daemon: runs each projection in batches, checkpoint and read model in one transaction.
import { CheckpointMoved } from './errors.js';
import type { EventStore, Unsubscribe } from './event-store.js';
import { silentLogger, type Logger } from './logger.js';
import { cursorOf, type LogCursor } from './messages.js';
import type { ProjectionDefinition, ProjectionStore } from './projection.js';
import { createWakeSignal, sleep } from './sleep.js';

export interface ProjectionDaemonOptions<Session> {
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<Session>;
  readonly projections: readonly ProjectionDefinition<Session>[];
  readonly batchSize?: number;
  /** Fallback when no wake-up arrives. */
  readonly pollIntervalMs?: number;
  /** How often a standby instance tries to take a lease held elsewhere. */
  readonly leaseRetryMs?: number;
  /** First pause after a failed batch; doubles up to `maxRetryBackoffMs`. */
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  readonly logger?: Logger;
}

export type RunnerState = 'idle' | 'standby' | 'running' | 'failing' | 'stopped';

export interface ProjectionRunnerStatus {
  readonly name: string;
  readonly state: RunnerState;
  readonly cursor: LogCursor | undefined;
  readonly lastError: string | undefined;
}

export interface ProjectionDaemon {
  start(): void;
  stop(): Promise<void>;
  statuses(): readonly ProjectionRunnerStatus[];
  /** Called after each committed batch in this process. */
  onProgress(listener: (name: string, cursor: LogCursor) => void): Unsubscribe;
}

export function createProjectionDaemon<Session>(options: ProjectionDaemonOptions<Session>): ProjectionDaemon {
  const {
    eventStore,
    projectionStore,
    projections,
    batchSize = 500,
    pollIntervalMs = 250,
    leaseRetryMs = 1000,
    retryBackoffMs = 100,
    maxRetryBackoffMs = 10_000,
    logger = silentLogger,
  } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const names = new Set<string>();
  for (const projection of projections) {
    if (names.has(projection.name)) throw new Error(`two projections are named ${projection.name}`);
    names.add(projection.name);
  }

  const listeners = new Set<(name: string, cursor: LogCursor) => void>();
  const statuses = new Map<string, { state: RunnerState; cursor: LogCursor | undefined; lastError: string | undefined }>(
    projections.map((p) => [p.name, { state: 'idle', cursor: undefined, lastError: undefined }]),
  );
  let controller: AbortController | undefined;
  let running: Promise<void>[] = [];

  async function run(projection: ProjectionDefinition<Session>, signal: AbortSignal): Promise<void> {
    const status = statuses.get(projection.name)!;
    const wake = createWakeSignal();
    const unsubscribe = eventStore.subscribe(wake.wake);
    const handled = new Set(projection.handles);
    let backoff = retryBackoffMs;
    try {
      while (!signal.aborted) {
        let lease: Awaited<ReturnType<typeof projectionStore.tryAcquireLease>>;
        try {
          lease = await projectionStore.tryAcquireLease(projection.name);
        } catch (error) {
          status.state = 'failing';
          status.lastError = error instanceof Error ? error.message : String(error);
          logger.error({ projection: projection.name, err: error }, 'could not ask for the projection lease; retrying');
          await sleep(leaseRetryMs, signal);
          continue;
        }
        if (lease === undefined) {
          status.state = 'standby';
          await sleep(leaseRetryMs, signal);
          continue;
        }
        try {
          let cursor = (await projectionStore.prepare(projection)).cursor;
          status.state = 'running';
          status.cursor = cursor;
          logger.info({ projection: projection.name, position: cursor.position }, 'projection running');
          while (!signal.aborted && !lease.lost) {
            try {
              const events = await eventStore.readAll({ after: cursor, limit: batchSize });
              const last = events.at(-1);
              if (last === undefined) {
                await wake.wait(pollIntervalMs, signal);
                continue;
              }
              const relevant = events.filter((event) => handled.has(event.type));
              const next = cursorOf(last);
              await projectionStore.commitBatch(projection.name, cursor, { cursor: next, lastEventAt: last.recordedAt }, (session) =>
                relevant.length === 0 ? Promise.resolve() : projection.apply(relevant, session),
              );
              cursor = next;
              status.cursor = next;
              status.state = 'running';
              status.lastError = undefined;
              backoff = retryBackoffMs;
              for (const listener of listeners) listener(projection.name, next);
            } catch (error) {
              if (error instanceof CheckpointMoved) {
                logger.warn({ projection: projection.name }, 'checkpoint moved by another instance; reloading');
                cursor = (await projectionStore.prepare(projection)).cursor;
                continue;
              }
              status.state = 'failing';
              status.lastError = error instanceof Error ? error.message : String(error);
              logger.error({ projection: projection.name, err: error, backoffMs: backoff }, 'projection batch failed; retrying');
              await sleep(backoff, signal);
              backoff = Math.min(backoff * 2, maxRetryBackoffMs);
            }
          }
        } catch (error) {
          status.state = 'failing';
          status.lastError = error instanceof Error ? error.message : String(error);
          logger.error({ projection: projection.name, err: error }, 'projection could not start; retrying');
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, maxRetryBackoffMs);
        } finally {
          if (lease.lost) logger.warn({ projection: projection.name }, 'projection lease lost');
          await lease.release().catch(() => undefined);
        }
      }
    } finally {
      unsubscribe();
      status.state = 'stopped';
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      const signal = controller.signal;
      running = projections.map((projection) => run(projection, signal));
    },
    async stop() {
      controller?.abort();
      await Promise.all(running);
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
