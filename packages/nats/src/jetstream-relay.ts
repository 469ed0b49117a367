// The relay: tails the event log gap-safely and publishes every event, once and in log order, to a JetStream stream,
// on its partition's subject; resumes after the last event the stream holds; one active relay at a time (a lease).
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  createWakeSignal,
  cursorOf,
  silentLogger,
  sleep,
  type EventStore,
  type LogCursor,
  type Logger,
  type ProjectionLease,
  type StoredEvent,
} from '@twofold/core';
import { ensureEventStream, readStreamTail, type EventStreamSettings, type StreamTail } from './event-stream.js';
import { parseBusUrl } from './bus-url.js';
import { checkPartitions, checkSubjectPrefix, defaultPartitions, encodeStreamIdToken, partitionOf } from './partition-subjects.js';
import { relayedMessage } from './relayed-event.js';

export interface JetStreamRelayOptions {
  /** `nats://host:port[,host:port…]`, or the URLs as a list. */
  readonly servers: string | readonly string[];
  /** The log to relay; readAll and subscribe are all it uses (head once at start, for the lag). */
  readonly eventStore: Pick<EventStore, 'readAll' | 'subscribe' | 'head'>;
  /**
   * The lease port (a projection store's `tryAcquireLease`, bound): while this process holds lease `relay:<stream>`
   * it is the active relay; otherwise it stands by and tries again every `leaseRetryMs`.
   */
  readonly tryAcquireLease: (name: string) => Promise<ProjectionLease | undefined>;
  /** The JetStream stream's name (default TWOFOLD_EVENTS). */
  readonly streamName?: string;
  /** Subjects are `<prefix>.<partition>.<stream id token>` (default `twofold.events`). */
  readonly subjectPrefix?: string;
  /** Partitions (default 32); fixed for the stream's life, recorded in its description. */
  readonly partitions?: number;
  /** The stream's replicas when the relay creates it: 1 on a single node, 3 in a cluster (default 1). */
  readonly replicas?: number;
  /** Events read from the log at a time (default 500). */
  readonly batchSize?: number;
  /** Publishes awaiting their acknowledgement at most (default 256). */
  readonly maxInFlight?: number;
  /** How long a publish (and a stream API call) waits for its answer (default 2000 ms): bounds the stall when a server dies with publishes in flight. */
  readonly publishTimeoutMs?: number;
  /** Fallback when no wake-up arrives (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** How often a standby relay tries to take the lease (default 1000 ms). */
  readonly leaseRetryMs?: number;
  /** First pause after a failure; doubles up to `maxRetryBackoffMs` (default 100 ms, 5000 ms). */
  readonly retryBackoffMs?: number;
  readonly maxRetryBackoffMs?: number;
  readonly logger?: Logger;
  /** Told of each acknowledged event, in log order: for metrics (count, latency). */
  readonly onPublished?: (published: PublishedEvent) => void;
}

export interface PublishedEvent {
  readonly cursor: LogCursor;
  /** Its sequence in the JetStream stream. */
  readonly streamSequence: number;
  readonly partition: number;
  /** From publish to acknowledgement. */
  readonly latencyMs: number;
}

export type RelayState = 'idle' | 'connecting' | 'standby' | 'running' | 'failing' | 'stopped';

export interface RelayStats {
  readonly state: RelayState;
  /** Events this process published and had acknowledged. */
  readonly published: number;
  /** Times the relay stopped its pipeline on a failed publish and resumed from the stream's last message. */
  readonly resumes: number;
  /** The log cursor of the last event the stream acknowledged, as far as this process knows. */
  readonly cursor: LogCursor | undefined;
  readonly streamSequence: number | undefined;
  /** Events in the log after the last acknowledged one (by global position), as far as this process has heard. */
  readonly lagEvents: number | undefined;
  readonly publishLatencyMs: { readonly count: number; readonly sum: number; readonly max: number };
  readonly lastError: string | undefined;
}

export interface JetStreamRelay {
  start(): void;
  /** Stops publishing (waits for the acknowledgements in flight), gives the lease back, closes the connection. */
  stop(): Promise<void>;
  stats(): RelayStats;
}

/** An acknowledgement that does not continue the stream as expected: another publisher wrote, or a publish went missing. */
export class RelayOutOfStep extends Error {}

interface InFlight {
  readonly event: StoredEvent;
  readonly sequence: number;
  readonly partition: number;
  readonly sentAt: number;
  readonly ack: Promise<{ ack: PubAck } | { error: unknown }>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createJetStreamRelay(options: JetStreamRelayOptions): JetStreamRelay {
  const {
    eventStore,
    tryAcquireLease,
    streamName = 'TWOFOLD_EVENTS',
    subjectPrefix = 'twofold.events',
    partitions = defaultPartitions,
    replicas = 1,
    batchSize = 500,
    maxInFlight = 256,
    publishTimeoutMs = 2_000,
    pollIntervalMs = 1_000,
    leaseRetryMs = 1_000,
    retryBackoffMs = 100,
    maxRetryBackoffMs = 5_000,
    logger = silentLogger,
    onPublished,
  } = options;
  const servers = typeof options.servers === 'string' ? parseBusUrl(options.servers) : [...options.servers];
  if (servers.length === 0) throw new RangeError('servers: at least one nats:// URL is needed');
  if (!/^[A-Za-z0-9_-]+$/.test(streamName)) throw new RangeError(`streamName must be letters, digits, - and _, not "${streamName}"`);
  checkSubjectPrefix(subjectPrefix);
  checkPartitions(partitions);
  for (const [name, value] of Object.entries({ replicas, batchSize, maxInFlight, publishTimeoutMs, pollIntervalMs, leaseRetryMs, retryBackoffMs, maxRetryBackoffMs })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  const settings: EventStreamSettings = { name: streamName, subjectPrefix, partitions, replicas };
  const leaseName = `relay:${streamName}`;

  const stats = {
    state: 'idle' as RelayState,
    published: 0,
    resumes: 0,
    cursor: undefined as LogCursor | undefined,
    streamSequence: undefined as number | undefined,
    headPosition: undefined as number | undefined,
    latency: { count: 0, sum: 0, max: 0 },
    lastError: undefined as string | undefined,
  };
  const heardOf = (position: number): void => {
    if (stats.headPosition === undefined || position > stats.headPosition) stats.headPosition = position;
  };
  const fail = (error: unknown): void => {
    stats.state = 'failing';
    stats.lastError = messageOf(error);
  };

  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;

  /**
   * Publishes the log after the stream's tail until `signal` ends it. Each publish expects the sequence before it,
   * so the stream takes the events in order or not at all: a lost publish fails every one after it (no gap), and a
   * relay that lost its lease is refused once another wrote. Resolves when stopped; throws on a failed publish once
   * the rest in flight came back (a publish that timed out may still have been stored: the stream's tail, read next,
   * is the truth, not these counts).
   */
  async function pump(js: JetStreamClient, tail: StreamTail, signal: AbortSignal, wake: ReturnType<typeof createWakeSignal>): Promise<void> {
    let sequence = tail.sequence;
    let readCursor = tail.cursor;
    stats.cursor = tail.cursor;
    stats.streamSequence = tail.sequence;
    heardOf(tail.cursor.position);
    const inFlight: InFlight[] = [];
    let failure: unknown;

    /** Takes the oldest publish's outcome: acknowledgements arrive, and are counted, in log order. */
    async function settleOldest(): Promise<void> {
      const pending = inFlight.shift()!;
      const outcome = await pending.ack;
      if (failure !== undefined) return;
      if ('error' in outcome) {
        failure = outcome.error;
        return;
      }
      const { ack } = outcome;
      if (ack.duplicate || ack.seq !== pending.sequence) {
        failure = new RelayOutOfStep(`event ${pending.event.eventId} was acknowledged ${ack.duplicate ? 'as a duplicate ' : ''}at sequence ${ack.seq}, expected ${pending.sequence}`);
        return;
      }
      const latencyMs = performance.now() - pending.sentAt;
      stats.cursor = cursorOf(pending.event);
      stats.streamSequence = ack.seq;
      stats.published++;
      stats.latency.count++;
      stats.latency.sum += latencyMs;
      stats.latency.max = Math.max(stats.latency.max, latencyMs);
      onPublished?.({ cursor: stats.cursor, streamSequence: ack.seq, partition: pending.partition, latencyMs });
    }
    const settleAll = async (): Promise<void> => {
      while (inFlight.length > 0) await settleOldest();
    };

    try {
      while (!signal.aborted && failure === undefined) {
        const events = await eventStore.readAll({ after: readCursor, limit: batchSize });
        if (events.length === 0) {
          await settleAll();
          if (failure !== undefined) break;
          heardOf(readCursor.position);
          stats.state = 'running';
          await wake.wait(pollIntervalMs, signal);
          continue;
        }
        heardOf(events.at(-1)!.globalPosition);
        for (const event of events) {
          while (inFlight.length >= maxInFlight && failure === undefined) await settleOldest();
          if (failure !== undefined || signal.aborted) break;
          const partition = partitionOf(event.streamId, partitions);
          const subject = `${subjectPrefix}.${partition}.${encodeStreamIdToken(event.streamId)}`;
          const { headers, body } = relayedMessage(event);
          const expected = sequence;
          sequence++;
          const ack = js
            .publish(subject, body, { msgID: event.eventId, expect: { lastSequence: expected }, headers, timeout: publishTimeoutMs })
            .then((pubAck) => ({ ack: pubAck }), (error: unknown) => ({ error }));
          inFlight.push({ event, sequence, partition, sentAt: performance.now(), ack });
          readCursor = cursorOf(event);
        }
        if (failure === undefined && stats.state !== 'running') stats.state = 'running';
      }
    } finally {
      // what is in flight may still be acknowledged: count it before anyone reads the stream's tail again
      await settleAll();
    }
    if (failure !== undefined) throw failure;
  }

  /** Relays while the lease is held (until `signal` ends): on a failure, resumes after the stream's last message. */
  async function relayWhileLeased(nc: NatsConnection, signal: AbortSignal, wake: ReturnType<typeof createWakeSignal>): Promise<void> {
    let backoff = retryBackoffMs;
    let jsm: JetStreamManager | undefined;
    let streamReady = false;
    while (!signal.aborted) {
      try {
        jsm ??= await jetstreamManager(nc, { timeout: publishTimeoutMs });
        if (!streamReady) {
          await ensureEventStream(jsm, settings, logger);
          streamReady = true;
        }
        const tail = await readStreamTail(jsm, streamName);
        logger.info({ stream: streamName, sequence: tail.sequence, position: tail.cursor.position, transactionId: tail.cursor.transactionId }, 'relay resuming after the stream\'s last event');
        const publishedBefore = stats.published;
        try {
          await pump(jetstream(nc, { timeout: publishTimeoutMs }), tail, signal, wake);
        } finally {
          if (stats.published > publishedBefore) backoff = retryBackoffMs;
        }
      } catch (error) {
        if (signal.aborted) break;
        fail(error);
        stats.resumes++;
        logger.warn({ stream: streamName, err: error, backoffMs: backoff }, 'relay stopped its pipeline; resuming from the stream\'s last event');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxRetryBackoffMs);
      }
    }
  }

  async function connectUntilStopped(signal: AbortSignal): Promise<NatsConnection | undefined> {
    let backoff = retryBackoffMs;
    while (!signal.aborted) {
      stats.state = 'connecting';
      try {
        // reconnects forever once connected: publishes during a reconnect wait in the client, fenced by their expectations
        return await connect({ servers, name: `twofold relay ${streamName}`, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: publishTimeoutMs });
      } catch (error) {
        fail(error);
        logger.warn({ servers, err: error, backoffMs: backoff }, 'relay cannot reach NATS; retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxRetryBackoffMs);
      }
    }
    return undefined;
  }

  async function run(signal: AbortSignal): Promise<void> {
    const wake = createWakeSignal();
    const unsubscribe = eventStore.subscribe((committed) => {
      if (committed !== undefined) heardOf(committed.cursor.position);
      wake.wake();
    });
    const nc = await connectUntilStopped(signal);
    try {
      eventStore.head().then((head) => head !== undefined && heardOf(head.cursor.position), () => undefined);
      while (nc !== undefined && !signal.aborted) {
        let lease: ProjectionLease | undefined;
        try {
          lease = await tryAcquireLease(leaseName);
        } catch (error) {
          fail(error);
          logger.error({ lease: leaseName, err: error }, 'relay could not ask for its lease; retrying');
          await sleep(leaseRetryMs, signal);
          continue;
        }
        if (lease === undefined) {
          stats.state = 'standby';
          await sleep(leaseRetryMs, signal);
          continue;
        }
        const held = new AbortController();
        const onAbort = (): void => held.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        const leased = lease;
        // a lost lease stops the pipeline within this period; a publish after it is refused by its expected sequence
        const watch = setInterval(() => leased.lost && held.abort(), 200);
        logger.info({ lease: leaseName }, 'relay lease taken: relaying');
        try {
          await relayWhileLeased(nc, held.signal, wake);
        } finally {
          clearInterval(watch);
          signal.removeEventListener('abort', onAbort);
          if (leased.lost) logger.warn({ lease: leaseName }, 'relay lease lost');
          await leased.release().catch(() => undefined);
        }
      }
    } finally {
      unsubscribe();
      await nc?.close().catch(() => undefined);
      stats.state = 'stopped';
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      running = run(controller.signal).catch((error: unknown) => {
        fail(error);
        logger.error({ err: error }, 'relay ended');
      });
    },
    async stop() {
      controller?.abort();
      await running;
      controller = undefined;
      running = undefined;
    },
    stats() {
      const { headPosition, cursor } = stats;
      return {
        state: stats.state,
        published: stats.published,
        resumes: stats.resumes,
        cursor,
        streamSequence: stats.streamSequence,
        lagEvents: headPosition === undefined || cursor === undefined ? undefined : Math.max(0, headPosition - cursor.position),
        publishLatencyMs: { ...stats.latency },
        lastError: stats.lastError,
      };
    },
  };
}
