// The partitioned projector: one process's share of a partition group. It says it is alive, computes its share of
// the buckets from the workers alive, leases those partitions (fenced, in the read store), reads each with an ordered
// consumer filtered to `<prefix>.<p>.>` after its checkpoint, and commits batch and checkpoint in one transaction.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { setMaxListeners } from 'node:events';
import { sleep } from '@twofold/core';
import { leaseRoundsUntilStopped, releaseAll } from './lease-round.js';
import { createProjectorContext, type ProjectorContext } from './projector-context.js';
import { resolveProjectorOptions, type PartitionedProjectorOptions } from './projector-options.js';
import { projectorStatsOf, recordError, type PartitionedProjectorStats } from './projector-progress.js';
import { followTail } from './tail-follower.js';

export interface PartitionedProjector {
  start(): void;
  stop(): Promise<void>;
  stats(): PartitionedProjectorStats;
}

/** JetStream API requests of the partition runs (consumer creation, the tail's reads): the default 5 s waits out most of an election. */
const consumerRequestTimeoutMs = 2_000;

async function connectUntilStopped(context: ProjectorContext, signal: AbortSignal): Promise<NatsConnection | undefined> {
  const { servers, worker } = context.settings;
  while (!signal.aborted) {
    try {
      return await connect({ servers, name: `twofold projector ${worker}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    } catch (error) {
      recordError(context.progress, error);
      await sleep(1_000, signal);
    }
  }
  return undefined;
}

async function run(context: ProjectorContext, signal: AbortSignal): Promise<void> {
  const { progress } = context;
  progress.state = 'connecting';
  const nc = await connectUntilStopped(context, signal);
  if (nc === undefined) return;
  // a consumer is created (and recreated after a stall) through the metadata leader: during its election a request
  // gets no answer, and the short timeout has the retry follow the new leader soon after it is elected
  const js = jetstream(nc, { timeout: consumerRequestTimeoutMs });
  const jsm = await jetstreamManager(nc);
  progress.state = 'running';
  const following = followTail(context, js, jsm, signal);
  try {
    await leaseRoundsUntilStopped(context, js, jsm, signal);
  } finally {
    await releaseAll(context);
    await following.catch(() => undefined);
    context.announcer.close();
    await nc.close().catch(() => undefined);
    progress.state = 'stopped';
  }
}

export function createPartitionedProjector(options: PartitionedProjectorOptions): PartitionedProjector {
  const context = createProjectorContext(resolveProjectorOptions(options));
  const { settings, progress, runs, tail } = context;
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      // every partition run listens to it
      setMaxListeners(0, controller.signal);
      running = run(context, controller.signal).catch((error: unknown) => {
        recordError(progress, error);
        settings.logger.error({ err: error }, 'partitioned projector ended');
      });
    },
    async stop() {
      controller?.abort();
      await running;
    },
    stats: () => projectorStatsOf(settings.worker, progress, runs.values(), tail),
  };
}
