// Runs the projector in a worker thread of this process and watches it: its batches and statuses come back as
// messages, a thread that dies is noticed (health turns false) and started again.
import type { AppliedBatch, Logger, ProjectionDaemon, ProjectionRunnerStatus, Unsubscribe } from '@twofold/core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { batchOf, type FromProjector, type ProjectorThreadData, type ToProjector } from './projector-messages.js';

export interface ThreadedProjector extends ProjectionDaemon {
  /** Why the projector is not running now (a thread that failed or died), or undefined while it runs or stops on request. */
  problem(): string | undefined;
}

export interface ThreadedProjectorOptions {
  readonly data: Omit<ProjectorThreadData, 'statusIntervalMs'> & { readonly statusIntervalMs?: number };
  readonly logger?: Logger;
  /** First pause before a dead thread is started again; doubles up to maxRestartDelayMs (default 500 ms, 30 s). */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** How long stop() lets the thread finish its batches before ending it (default 10 s). */
  readonly stopTimeoutMs?: number;
  /** Called with each thread started (to watch or limit it). */
  readonly onThread?: (thread: Worker) => void;
}

/** The thread's code: beside this module when it runs built, else the built one (tests run the sources, threads run JavaScript). */
function threadEntry(): URL {
  const beside = new URL('./projector-thread.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/projector-thread.js', import.meta.url);
}

/** Asks the thread to stop and waits for it to exit, ending it if it has not within `stopTimeoutMs`. */
async function stopThread(running: Worker, stopTimeoutMs: number, logger: Logger | undefined): Promise<void> {
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  // once the thread says it stopped, its batches are done and its stores closed: a handle left behind (a
  // connection being reopened, say) must not keep it, and this process, alive
  const onStopped = (message: FromProjector): void => {
    if (message.kind === 'stopped') void running.terminate();
  };
  running.on('message', onStopped);
  running.postMessage({ kind: 'stop' } satisfies ToProjector);
  const timer = setTimeout(() => {
    logger?.warn({ stopTimeoutMs }, 'projector thread did not stop in time; ending it (a batch in flight rolls back with its connection)');
    void running.terminate();
  }, stopTimeoutMs);
  await exited;
  clearTimeout(timer);
  running.off('message', onStopped);
}

/** What the watcher knows of the thread: its runners' statuses and why it is not running, if it is not. */
interface ThreadHealth {
  statuses: readonly ProjectionRunnerStatus[];
  problem: string | undefined;
}

function markFailed(health: ThreadHealth, why: string): void {
  health.problem = why;
  health.statuses = health.statuses.map((status) => ({ ...status, state: 'failed', lastError: why }));
}

/** Takes in a message from the thread: its statuses, its batches (passed on to `listeners`), its start or failure. */
function onThreadMessage(health: ThreadHealth, message: FromProjector, listeners: ReadonlySet<(batch: AppliedBatch) => void>, logger: Logger | undefined): void {
  switch (message.kind) {
    case 'started':
      health.problem = undefined;
      logger?.info({}, 'projector thread running');
      break;
    case 'batch': {
      health.statuses = message.statuses;
      const batch = batchOf(message.batch);
      for (const listener of [...listeners]) listener(batch);
      break;
    }
    case 'statuses':
      health.statuses = message.statuses;
      break;
    case 'failed':
      markFailed(health, `the projector thread could not start: ${message.error}`);
      break;
    case 'stopped':
      break;
  }
}

export function threadedProjector(options: ThreadedProjectorOptions): ThreadedProjector {
  const { logger, restartDelayMs = 500, maxRestartDelayMs = 30_000, stopTimeoutMs = 10_000 } = options;
  const data: ProjectorThreadData = { statusIntervalMs: 100, ...options.data };
  const listeners = new Set<(batch: AppliedBatch) => void>();
  const health: ThreadHealth = { statuses: [], problem: undefined };
  let thread: Worker | undefined;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let delayMs = restartDelayMs;
  let startedAt = 0;

  const failed = (why: string): void => markFailed(health, why);

  function spawn(): void {
    if (stopping) return;
    // none of this process's loader options (a test runner's, say): the thread runs the built JavaScript as it is
    const started = new Worker(threadEntry(), { workerData: data, execArgv: [] });
    thread = started;
    startedAt = Date.now();
    options.onThread?.(started);
    started.on('message', (message: FromProjector) => onThreadMessage(health, message, listeners, logger));
    started.on('error', (error) => {
      failed(`the projector thread failed: ${error.message}`);
      logger?.error({ err: error }, 'projector thread failed');
    });
    started.on('exit', (code) => {
      if (thread === started) thread = undefined;
      if (stopping) return;
      if (health.problem === undefined) failed(`the projector thread exited (code ${code})`);
      // a thread that ran a while before dying is started again soon; one that keeps dying, less and less often
      if (Date.now() - startedAt > 30_000) delayMs = restartDelayMs;
      logger?.error({ code, restartInMs: delayMs }, 'projector thread ended; starting it again');
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        spawn();
      }, delayMs);
      restartTimer.unref();
      delayMs = Math.min(delayMs * 2, maxRestartDelayMs);
    });
  }

  return {
    start() {
      if (thread === undefined && restartTimer === undefined && !stopping) spawn();
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      const running = thread;
      if (running === undefined) return;
      await stopThread(running, stopTimeoutMs, logger);
      health.statuses = health.statuses.map((status) => ({ ...status, state: 'stopped' }));
    },
    statuses: () => health.statuses,
    onProgress(listener): Unsubscribe {
      const entry = (batch: AppliedBatch): void => listener(batch);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    problem: () => health.problem,
  };
}
