// The partitioned projector: one process's share of a partition group. It says it is alive, computes its share of
// the buckets from the workers alive, leases those partitions (fenced, in the read store), reads each with an ordered
// consumer filtered to `<prefix>.<p>.>` after its checkpoint, and commits batch and checkpoint in one transaction.
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { assignedPartitions, silentLogger, sleep, type Logger, type PartitionGroup, type PartitionLedger, type StoredEvent } from '@twofold/core';
import { parseBusUrl } from './bus-url.js';
import { checkPartitions, checkSubjectPrefix, parseEventSubject } from './partition-subjects.js';
import { checkClearBefore, startPartitionRun, type PartitionRun, type PartitionRunContext } from './partition-run.js';
import { partitionTail, type PartitionTail } from './partition-tail.js';
import { readOrdered } from './ordered-reader.js';
import { partitionAnnouncer } from './partition-announcer.js';
import { cursorOfMessage, relayHeaders } from './relayed-event.js';

export interface PartitionedProjectorOptions {
  readonly servers: string | readonly string[];
  readonly ledger: PartitionLedger;
  readonly group: PartitionGroup;
  readonly streamName?: string; // default TWOFOLD_EVENTS
  readonly subjectPrefix?: string; // default twofold.events
  /** This worker's name in the ledger (default: host, pid and a random suffix). */
  readonly worker?: string;
  /** Leases and liveness last this long unrenewed (default 5,000 ms): a lost worker's partitions move after about this. */
  readonly leaseTtlMs?: number;
  /** How often the worker renews, and looks again at who is alive (default leaseTtlMs / 5). */
  readonly tickMs?: number;
  readonly batchSize?: number; // messages per batch at most (default 500)
  /** How often idle partitions' positions are written to their rows at most (announced at once regardless; default 100 ms). */
  readonly recordIntervalMs?: number;
  /**
   * Turns the events as relayed into what the projections read: the relay publishes the log as stored, so, say,
   * sealed personal data is opened here, at apply time (a forgotten subject's then reads redacted). Default: as they are.
   */
  readonly readable?: (events: StoredEvent[]) => Promise<StoredEvent[]>;
  readonly logger?: Logger;
}

export interface PartitionRunStats {
  readonly partition: number;
  readonly fence: number;
  readonly sequence: number;
  readonly position: number;
  readonly applied: number;
  readonly idleAtTail: boolean;
}

export interface PartitionedProjectorStats {
  readonly worker: string;
  readonly state: 'idle' | 'connecting' | 'running' | 'stopped';
  readonly liveWorkers: readonly string[];
  readonly partitions: readonly PartitionRunStats[];
  /** Events applied by this process, and consumers recreated after a stall or failure. */
  readonly applied: number;
  readonly recreated: number;
  readonly tailSequence: number | undefined;
  readonly lastError: string | undefined;
}

export interface PartitionedProjector {
  start(): void;
  stop(): Promise<void>;
  stats(): PartitionedProjectorStats;
}

/** JetStream API requests of the partition runs (consumer creation, the tail's reads): the default 5 s waits out most of an election. */
const consumerRequestTimeoutMs = 2_000;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createPartitionedProjector(options: PartitionedProjectorOptions): PartitionedProjector {
  const { ledger, group, streamName = 'TWOFOLD_EVENTS', subjectPrefix = 'twofold.events', leaseTtlMs = 5_000, batchSize = 500, recordIntervalMs = 100, logger = silentLogger } = options;
  const { tickMs = Math.max(100, Math.floor(leaseTtlMs / 5)) } = options;
  const worker = options.worker ?? `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`;
  const servers = typeof options.servers === 'string' ? parseBusUrl(options.servers) : [...options.servers];
  checkSubjectPrefix(subjectPrefix);
  checkPartitions(group.partitions);
  const runs = new Map<number, PartitionRun>();
  const tail: PartitionTail = partitionTail();
  const stats = { state: 'idle' as PartitionedProjectorStats['state'], liveWorkers: [] as readonly string[], applied: 0, recreated: 0, lastError: undefined as string | undefined };
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;

  const idle = (run: PartitionRun): boolean => tail.idleAtTail(run.claim.partition, run.claim.sequence, run.clearBefore);
  const announcer = partitionAnnouncer({ ledger, group: group.name, tail, runs: () => runs.values(), recordIntervalMs });

  const runContext = (js: JetStreamClient, jsm: JetStreamManager): PartitionRunContext => ({
    js, jsm, ledger, group: group.name, streamName, subjectPrefix, batchSize, tail, logger, readable: options.readable,
    onApplied: (events) => void (stats.applied += events),
    onIdleChanged: announcer.schedule,
    onRecreate: () => void stats.recreated++,
    onError: (error) => void (stats.lastError = messageOf(error)),
  });

  /** Follows the whole stream, headers only, to learn its tail and which partitions it saw messages of. */
  async function followTail(js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
    // from the stream's last message on (what came before is checked per partition, not replayed)
    let startAfter: number | undefined;
    while (startAfter === undefined && !signal.aborted) {
      try {
        startAfter = Math.max(0, (await jsm.streams.info(streamName)).state.last_seq - 1);
      } catch (error) {
        stats.lastError = messageOf(error);
        await sleep(1_000, signal);
      }
    }
    await readOrdered({
      js, streamName, filter: `${subjectPrefix}.>`, headersOnly: true, batchSize: 1_000, signal, logger,
      after: () => tail.tail?.sequence ?? startAfter ?? 0,
      behind: (delivered) => streamLastSequence > delivered,
      onCreated: (after) => {
        tail.restarted(after);
        announcer.forget();
        for (const run of runs.values()) run.clearBefore = false;
        for (const run of runs.values()) void checkClearBefore(runContext(js, jsm), run);
      },
      onRecreate: () => void stats.recreated++,
      async handle(messages) {
        for (const message of messages) {
          const headers = message.headers;
          if (headers === undefined) continue;
          const { partition } = parseEventSubject(subjectPrefix, message.subject);
          tail.saw(partition, { sequence: message.seq, cursor: cursorOfMessage(headers), lastEventAt: new Date(headers.get(relayHeaders.recordedAt)) });
        }
        announcer.schedule();
        return 'continue';
      },
    });
  }

  /** The stream's last sequence, as of the last round: a tail follower that stays behind it is stalled. */
  let streamLastSequence = 0;
  let askingLastSequence = false;

  /** One round: say alive, renew, give back what is no longer ours, take what is. */
  async function tick(js: JetStreamClient, jsm: JetStreamManager, signal: AbortSignal): Promise<void> {
    // asked beside the round, never awaited: during an election it may take seconds, and the leases must be renewed
    if (!askingLastSequence) {
      askingLastSequence = true;
      void jsm.streams.info(streamName).then(
        (info) => void (streamLastSequence = Math.max(streamLastSequence, info.state.last_seq)),
        () => undefined,
      ).finally(() => (askingLastSequence = false));
    }
    const live = await ledger.heartbeat(group.name, worker, leaseTtlMs);
    stats.liveWorkers = live;
    const wanted = new Set(assignedPartitions(live, worker, group.partitions));
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
    for (const partition of wanted) {
      if (runs.has(partition) || signal.aborted) continue;
      const claim = await ledger.acquire(group.name, partition, worker, leaseTtlMs);
      if (claim === undefined) continue;
      logger.info({ group: group.name, partition, fence: claim.fence, sequence: claim.sequence }, 'partition taken');
      announcer.forget(partition);
      runs.set(partition, startPartitionRun(runContext(js, jsm), claim, signal));
    }
  }

  async function connectUntilStopped(signal: AbortSignal): Promise<NatsConnection | undefined> {
    while (!signal.aborted) {
      try {
        return await connect({ servers, name: `twofold projector ${worker}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      } catch (error) {
        stats.lastError = messageOf(error);
        await sleep(1_000, signal);
      }
    }
    return undefined;
  }

  async function run(signal: AbortSignal): Promise<void> {
    stats.state = 'connecting';
    const nc = await connectUntilStopped(signal);
    if (nc === undefined) return;
    // a consumer is created (and recreated after a stall) through the metadata leader: during its election a request
    // gets no answer, and the short timeout has the retry follow the new leader soon after it is elected
    const js = jetstream(nc, { timeout: consumerRequestTimeoutMs });
    const jsm = await jetstreamManager(nc);
    stats.state = 'running';
    const following = followTail(js, jsm, signal);
    let lastTickAt = performance.now();
    try {
      while (!signal.aborted) {
        try {
          await tick(js, jsm, signal);
          lastTickAt = performance.now();
          stats.lastError = undefined;
        } catch (error) {
          stats.lastError = messageOf(error);
          logger.error({ group: group.name, err: error }, 'partition lease round failed');
          // unrenewed for a whole lease: stop applying (the ledger would refuse the batches anyway)
          if (performance.now() - lastTickAt > leaseTtlMs) for (const [partition, lost] of runs) (runs.delete(partition), lost.abort.abort());
        }
        await announcer.record();
        await sleep(tickMs, signal);
      }
    } finally {
      const held = [...runs.values()];
      runs.clear();
      held.forEach((r) => r.abort.abort());
      await Promise.all(held.map((r) => r.done));
      await Promise.all(held.map((r) => ledger.release(group.name, worker, r.claim).catch(() => undefined)));
      // no longer alive: the others count without this worker at their next round
      await ledger.heartbeat(group.name, worker, 0).catch(() => undefined);
      await following.catch(() => undefined);
      announcer.close();
      await nc.close().catch(() => undefined);
      stats.state = 'stopped';
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      // every partition run listens to it
      setMaxListeners(0, controller.signal);
      running = run(controller.signal).catch((error: unknown) => {
        stats.lastError = messageOf(error);
        logger.error({ err: error }, 'partitioned projector ended');
      });
    },
    async stop() {
      controller?.abort();
      await running;
    },
    stats() {
      return {
        worker,
        state: stats.state,
        liveWorkers: stats.liveWorkers,
        partitions: [...runs.values()]
          .map((r) => ({ partition: r.claim.partition, fence: r.claim.fence, sequence: r.claim.sequence, position: r.claim.cursor.position, applied: r.applied, idleAtTail: idle(r) }))
          .sort((a, b) => a.partition - b.partition),
        applied: stats.applied,
        recreated: stats.recreated,
        tailSequence: tail.tail?.sequence,
        lastError: stats.lastError,
      };
    },
  };
}
