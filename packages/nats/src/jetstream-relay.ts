// The relay: tails the event log gap-safely and publishes every event, once and in log order, to a JetStream stream,
// on its partition's subject; resumes after the last event the stream holds; one active relay at a time (a lease).
import type { NatsConnection } from '@nats-io/transport-node';
import { createWakeSignal, sleep, type ProjectionLease } from '@twofold/core';
import { connectUntilStopped, relayWhileLeased } from './relay-connection.js';
import { resolveRelayOptions, type JetStreamRelayOptions, type RelaySettings } from './relay-options.js';
import { createRelayProgress, heardOf, recordFailure, relayStatsOf, type RelayProgress, type RelayStats } from './relay-progress.js';

type WakeSignal = ReturnType<typeof createWakeSignal>;

export interface JetStreamRelay {
  start(): void;
  /** Stops publishing (waits for the acknowledgements in flight), gives the lease back, closes the connection. */
  stop(): Promise<void>;
  stats(): RelayStats;
}

/** Asks for the lease once; undefined (after a pause) when another relay holds it or the ask failed. */
async function acquireLease(signal: AbortSignal, settings: RelaySettings, progress: RelayProgress): Promise<ProjectionLease | undefined> {
  const { leaseName, leaseRetryMs, logger } = settings;
  let lease: ProjectionLease | undefined;
  try {
    lease = await settings.tryAcquireLease(leaseName);
  } catch (error) {
    recordFailure(progress, error);
    logger.error({ lease: leaseName, err: error }, 'relay could not ask for its lease; retrying');
    await sleep(leaseRetryMs, signal);
    return undefined;
  }
  if (lease === undefined) {
    progress.state = 'standby';
    await sleep(leaseRetryMs, signal);
  }
  return lease;
}

/** Relays while `lease` is held and `signal` has not ended, then gives the lease back. */
async function relayUnderLease(nc: NatsConnection, lease: ProjectionLease, signal: AbortSignal, wake: WakeSignal, settings: RelaySettings, progress: RelayProgress): Promise<void> {
  const { leaseName, logger } = settings;
  const held = new AbortController();
  const onAbort = (): void => held.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  // a lost lease stops the pipeline within this period; a publish after it is refused by its expected sequence
  const watch = setInterval(() => lease.lost && held.abort(), 200);
  logger.info({ lease: leaseName }, 'relay lease taken: relaying');
  try {
    await relayWhileLeased(nc, held.signal, wake, settings, progress);
  } finally {
    clearInterval(watch);
    signal.removeEventListener('abort', onAbort);
    if (lease.lost) logger.warn({ lease: leaseName }, 'relay lease lost');
    await lease.release().catch(() => undefined);
  }
}

async function run(signal: AbortSignal, settings: RelaySettings, progress: RelayProgress): Promise<void> {
  const { eventStore } = settings;
  const wake = createWakeSignal();
  const unsubscribe = eventStore.subscribe((committed) => {
    if (committed !== undefined) heardOf(progress, committed.cursor.position);
    wake.wake();
  });
  const nc = await connectUntilStopped(signal, settings, progress);
  try {
    eventStore.head().then((head) => head !== undefined && heardOf(progress, head.cursor.position), () => undefined);
    while (nc !== undefined && !signal.aborted) {
      const lease = await acquireLease(signal, settings, progress);
      if (lease !== undefined) await relayUnderLease(nc, lease, signal, wake, settings, progress);
    }
  } finally {
    unsubscribe();
    await nc?.close().catch(() => undefined);
    progress.state = 'stopped';
  }
}

export function createJetStreamRelay(options: JetStreamRelayOptions): JetStreamRelay {
  const settings = resolveRelayOptions(options);
  const progress = createRelayProgress();
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      running = run(controller.signal, settings, progress).catch((error: unknown) => {
        recordFailure(progress, error);
        settings.logger.error({ err: error }, 'relay ended');
      });
    },
    async stop() {
      controller?.abort();
      await running;
      controller = undefined;
      running = undefined;
    },
    stats: () => relayStatsOf(progress),
  };
}
