// Prometheus gauges of partitioned projections, on the registry `metricsRoutes` returned: each partition's position,
// lag and whether a worker holds it, labelled by projection, partition and owner.
import type { EventStore, PartitionCheckpoint } from '@twofold/core';
import { Gauge, type Registry } from 'prom-client';
import { partitionOverview } from './partition-overview.js';

export interface PartitionMetricsOptions {
  readonly eventStore: Pick<EventStore, 'head'>;
  readonly partitions: () => Promise<readonly PartitionCheckpoint[]>;
}

const labelNames = ['projection', 'partition', 'owner'] as const;

export function partitionMetrics(registry: Registry, options: PartitionMetricsOptions): void {
  const { eventStore, partitions } = options;
  // the registry collects its metrics at once: the gauges of one scrape share one read of the rows
  let reading: Promise<void> | undefined;
  const collect = (): Promise<void> =>
    (reading ??= (async () => {
      const [rows, head] = await Promise.all([partitions(), eventStore.head()]);
      for (const gauge of [position, lagEvents, lagSeconds, owned]) gauge.reset();
      for (const projection of new Set(rows.flatMap((row) => row.projections))) {
        for (const entry of partitionOverview(rows, projection, head)) {
          const labels = { projection, partition: String(entry.partition), owner: entry.owner ?? '' };
          position.set(labels, entry.position);
          lagEvents.set(labels, entry.lagEvents);
          lagSeconds.set(labels, entry.lagMs / 1_000);
          owned.set(labels, entry.owner === null ? 0 : 1);
        }
      }
    })().finally(() => setImmediate(() => (reading = undefined))));
  const gauge = (name: string, help: string): Gauge<(typeof labelNames)[number]> => new Gauge({ name, help, labelNames, registers: [registry], collect });
  const position = gauge('twofold_partition_position', 'Position every event of the partition is applied up to (an idle partition: the stream tail it has nothing before)');
  const lagEvents = gauge('twofold_partition_lag_events', 'Head position minus the partition position');
  const lagSeconds = gauge('twofold_partition_lag_seconds', 'Commit time of the head minus that of the partition position');
  const owned = gauge('twofold_partition_owned', '1 while a worker holds the partition lease, else 0');
}
