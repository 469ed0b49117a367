// The lease rounds of a partitioned projector: each says this worker is alive, renews its leases, gives back the
// partitions no longer its share (or whose lease it lost) and takes those that are; and the release at its end.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { assignedPartitions, sleep } from '@twofold/core';
import { startPartitionRun } from './partition-run.js';
import { partitionRunContext, type ProjectorContext } from './projector-context.js';
import { recordError } from './projector-progress.js';

/** Rounds every `tickMs` until `signal` ends; unrenewed for a whole lease, it stops applying. */
export async function leaseRoundsUntilStopped(context: ProjectorContext, js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
  const { settings, progress, runs, announcer } = context;
  const { group, leaseTtlMs, tickMs, logger } = settings;
  let lastTickAt = performance.now();
  while (!signal.aborted) {
    try {
      await leaseRound(context, js, jsm, signal);
      lastTickAt = performance.now();
      progress.lastError = undefined;
    } catch (error) {
      recordError(progress, error);
      logger.error({ group: group.name, err: error }, 'partition lease round failed');
      // unrenewed for a whole lease: stop applying (the ledger would refuse the batches anyway)
      if (performance.now() - lastTickAt > leaseTtlMs) for (const [partition, lost] of runs) (runs.delete(partition), lost.abort.abort());
    }
    await announcer.record();
    await sleep(tickMs, signal);
  }
}

/** One round: say alive, renew, give back what is no longer ours, take what is. */
async function leaseRound(context: ProjectorContext, js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
  const { settings, progress, streamEnd } = context;
  const { ledger, group, worker, leaseTtlMs } = settings;
  // asked beside the round, never awaited: during an election it may take seconds, and the leases must be renewed
  streamEnd.refresh(jsm);
  const live = await ledger.heartbeat(group.name, worker, leaseTtlMs);
  progress.liveWorkers = live;
  const wanted = new Set(assignedPartitions(live, worker, group.partitions));
  await renewOrGiveBack(context, wanted);
  await takeWanted(context, wanted, js, jsm, signal);
}

/** Renews the leases held; stops the runs of those lost and of those no longer wanted, and releases the latter. */
async function renewOrGiveBack(context: ProjectorContext, wanted: ReadonlySet<number>): Promise<void> {
  const { settings, runs } = context;
  const { ledger, group, worker, leaseTtlMs, logger } = settings;
  const held = [...runs.values()];
  const renewed = new Set(await ledger.renew(group.name, worker, held.map((run) => run.claim), leaseTtlMs));
  for (const run of held) {
    const lost = !renewed.has(run.claim.partition);
    if (!lost && wanted.has(run.claim.partition)) continue;
    runs.delete(run.claim.partition);
    run.abort.abort();
    await run.done;
    if (!lost) await ledger.release(group.name, worker, run.claim);
    logger.info({ group: group.name, partition: run.claim.partition, lost }, lost ? 'partition lease lost' : 'partition handed over');
  }
}

/** Leases each wanted partition not yet held (one another worker still holds is tried again next round) and runs it. */
async function takeWanted(context: ProjectorContext, wanted: ReadonlySet<number>, js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
  const { settings, runs, announcer } = context;
  const { ledger, group, worker, leaseTtlMs, logger } = settings;
  for (const partition of wanted) {
    if (runs.has(partition) || signal.aborted) continue;
    const claim = await ledger.acquire(group.name, partition, worker, leaseTtlMs);
    if (claim === undefined) continue;
    logger.info({ group: group.name, partition, fence: claim.fence, sequence: claim.sequence }, 'partition taken');
    announcer.forget(partition);
    runs.set(partition, startPartitionRun(partitionRunContext(context, js, jsm), claim, signal));
  }
}

/** At the end: stops every run, gives its partition back and says this worker is no longer alive. */
export async function releaseAll(context: ProjectorContext): Promise<void> {
  const { settings, runs } = context;
  const { ledger, group, worker } = settings;
  const held = [...runs.values()];
  runs.clear();
  held.forEach((r) => r.abort.abort());
  await Promise.all(held.map((r) => r.done));
  await Promise.all(held.map((r) => ledger.release(group.name, worker, r.claim).catch(() => undefined)));
  // no longer alive: the others count without this worker at their next round
  await ledger.heartbeat(group.name, worker, 0).catch(() => undefined);
}
