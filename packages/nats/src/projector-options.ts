// The partitioned projector's options, their defaults and their eager checks: a misconfigured projector fails at construction.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { silentLogger, type Logger, type PartitionGroup, type PartitionLedger, type StoredEvent } from '@twofold/core';
import { parseBusUrl } from './bus-url.js';
import { checkPartitions, checkSubjectPrefix } from './partition-subjects.js';

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

/** The options with every default filled in, checked. */
export type ProjectorSettings = Required<Omit<PartitionedProjectorOptions, 'servers' | 'readable'>> &
  Pick<PartitionedProjectorOptions, 'readable'> & {
    readonly servers: string[];
  };

export function resolveProjectorOptions(options: PartitionedProjectorOptions): ProjectorSettings {
  const { ledger, group, streamName = 'TWOFOLD_EVENTS', subjectPrefix = 'twofold.events', leaseTtlMs = 5_000, batchSize = 500, recordIntervalMs = 100, logger = silentLogger } = options;
  const { tickMs = Math.max(100, Math.floor(leaseTtlMs / 5)) } = options;
  const worker = options.worker ?? `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`;
  const servers = typeof options.servers === 'string' ? parseBusUrl(options.servers) : [...options.servers];
  checkSubjectPrefix(subjectPrefix);
  checkPartitions(group.partitions);
  return { servers, ledger, group, streamName, subjectPrefix, worker, leaseTtlMs, tickMs, batchSize, recordIntervalMs, readable: options.readable, logger };
}
