// The relay's options, their defaults and their eager checks: a misconfigured relay fails at construction, naming the field.
import { silentLogger, type EventStore, type Logger, type ProjectionLease } from '@twofold/core';
import { parseBusUrl } from './bus-url.js';
import type { EventStreamSettings } from './event-stream.js';
import { checkPartitions, checkSubjectPrefix, defaultPartitions } from './partition-subjects.js';
import type { PublishedEvent } from './relay-progress.js';

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

/** The options with every default filled in, checked. */
export type RelaySettings = Required<Omit<JetStreamRelayOptions, 'servers' | 'onPublished'>> &
  Pick<JetStreamRelayOptions, 'onPublished'> & {
    readonly servers: string[];
    readonly stream: EventStreamSettings;
    readonly leaseName: string;
  };

export function resolveRelayOptions(options: JetStreamRelayOptions): RelaySettings {
  const {
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
  } = options;
  const servers = typeof options.servers === 'string' ? parseBusUrl(options.servers) : [...options.servers];
  if (servers.length === 0) throw new RangeError('servers: at least one nats:// URL is needed');
  if (!/^[A-Za-z0-9_-]+$/.test(streamName)) throw new RangeError(`streamName must be letters, digits, - and _, not "${streamName}"`);
  checkSubjectPrefix(subjectPrefix);
  checkPartitions(partitions);
  for (const [name, value] of Object.entries({ replicas, batchSize, maxInFlight, publishTimeoutMs, pollIntervalMs, leaseRetryMs, retryBackoffMs, maxRetryBackoffMs })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  return {
    servers,
    eventStore: options.eventStore,
    tryAcquireLease: options.tryAcquireLease,
    streamName,
    subjectPrefix,
    partitions,
    replicas,
    batchSize,
    maxInFlight,
    publishTimeoutMs,
    pollIntervalMs,
    leaseRetryMs,
    retryBackoffMs,
    maxRetryBackoffMs,
    logger,
    onPublished: options.onPublished,
    stream: { name: streamName, subjectPrefix, partitions, replicas },
    leaseName: `relay:${streamName}`,
  };
}
