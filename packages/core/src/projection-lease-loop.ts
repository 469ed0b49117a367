// One projection's life in a daemon: it waits for the projection's lease (a standby meanwhile), runs the projection
// while it holds it, and gives it back when it stops or the lease is lost.
import type { Unsubscribe } from './event-store.js';
import type { EventStore } from './event-store.js';
import type { ProjectionLease } from './projection.js';
import { startLiveReads } from './projection-live-step.js';
import { reportFailure, type RunnerContext } from './projection-runner-context.js';
import { runWhileLeased, type OperatorChanges, type RunnerParts } from './projection-runner.js';
import { createWakeSignal, sleep } from './sleep.js';

/** How often a holder checks that its lease is still valid, besides before every step. */
const leaseCheckEveryMs = 200;

/** Runs the projection whenever this instance can hold its lease, until `signal` aborts. */
export async function runProjection<Session>(context: RunnerContext<Session>, eventStore: EventStore, signal: AbortSignal): Promise<void> {
  const { projection, store, status, settings } = context;
  const { parts, unsubscribe } = wakeOnChanges(context, eventStore);
  try {
    while (!signal.aborted) {
      let lease: ProjectionLease | undefined;
      try {
        lease = await store.tryAcquireLease(projection.name);
      } catch (error) {
        reportFailure(status, error);
        context.logger.error({ projection: projection.name, err: error }, 'could not ask for the projection lease; retrying');
        await sleep(settings.leaseRetryMs, signal);
        continue;
      }
      if (lease === undefined) {
        status.state = 'standby';
        await sleep(settings.leaseRetryMs, signal);
        continue;
      }
      await runWhileHolding(parts, lease, signal);
    }
  } finally {
    unsubscribe();
    status.state = 'stopped';
  }
}

/** The runner's parts, woken by appends to the log and by operators' changes in the store. */
function wakeOnChanges<Session>(context: RunnerContext<Session>, eventStore: EventStore): { parts: RunnerParts<Session>; unsubscribe: Unsubscribe } {
  const { store } = context;
  const wake = createWakeSignal();
  const unsubscribeEvents = eventStore.subscribe(wake.wake);
  // operators pause, resume, rebuild and retry through the store: its notifications wake the runner too
  const operatorChanges: OperatorChanges = { changed: true };
  const onControl = (): void => {
    operatorChanges.changed = true;
    wake.wake();
  };
  const unsubscribeStore = store.subscribeToControl?.(onControl) ?? store.subscribe(onControl);
  const memory = { parkedStreams: new Set<string>(), preparedGenerations: new Set<number>() };
  const parts: RunnerParts<Session> = { context, memory, liveReads: startLiveReads(context.settings.batchSize), wake, operatorChanges };
  return {
    parts,
    unsubscribe: () => {
      unsubscribeEvents();
      unsubscribeStore();
    },
  };
}

/** Runs the projection under `lease` until the daemon stops or the lease is lost; then gives the lease back. */
async function runWhileHolding<Session>(parts: RunnerParts<Session>, lease: ProjectionLease, signal: AbortSignal): Promise<void> {
  const { projection, status, logger, settings } = parts.context;
  const held = new AbortController();
  const onAbort = (): void => held.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  // a lost lease ends the runner at its next wake-up
  const watch = setInterval(() => lease.lost && held.abort(), leaseCheckEveryMs);
  try {
    await runWhileLeased(parts, { signal: held.signal, lost: () => lease.lost });
  } catch (error) {
    reportFailure(status, error);
    logger.error({ projection: projection.name, err: error }, 'projection could not start; retrying');
    await sleep(settings.retryBackoffMs, signal);
  } finally {
    clearInterval(watch);
    signal.removeEventListener('abort', onAbort);
    if (lease.lost) logger.warn({ projection: projection.name }, 'projection lease lost');
    await lease.release().catch(() => undefined);
  }
}
