// The shop's partitioned read models: which run partition by partition over the bus, the projector process's share
// of them, and the checkpoint feed every gate reads them through (the lowest of their partitions).
import { openEvents, partitionedCheckpointFeed, type Logger, type PartitionGroup, type PersonalDataVault, type ProjectionDefinition, type ProjectionStore } from '@twofold/core';
import { createPartitionedProjector, defaultPartitions, type PartitionedProjector } from '@twofold/nats';
import { postgresPartitionLedger, postgresPartitionPositions, type PostgresClient, type SqlSession } from '@twofold/postgres';
import { shopPersonalFields } from './domain/personal-fields.js';
import { orderSearch, orderSummaries, productCatalog } from './projections/index.js';

/**
 * Read models whose every row is fed by one stream (an order's, a product's) and guarded by that stream's last
 * position: split by stream, each partition's worker keeps its rows right alone. The others stay single-worker:
 * merchant balances and sales analytics add up many streams into one row, and customer orders prunes by a horizon
 * taken over every stream's events, so split across workers they would race or prune differently than a rebuild.
 */
export const partitionableProjections: readonly ProjectionDefinition<SqlSession>[] = [orderSummaries, orderSearch, productCatalog];

/** The group of the deployment's partitioned read models among `projections` (orders by id are left out when in Redis). */
export function shopPartitionGroup(projections: readonly ProjectionDefinition<SqlSession>[], partitions = defaultPartitions): PartitionGroup {
  const names = new Set(projections.map((p) => p.name));
  return { name: 'shop', partitions, projections: partitionableProjections.filter((p) => names.has(p.name)).map((p) => p.name) };
}

/** A gate's checkpoints, with partitioned projections at the lowest of their partitions' positions (every process). */
export const withPartitions = (
  feed: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>,
  client: PostgresClient,
): Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'> => partitionedCheckpointFeed(feed, postgresPartitionPositions(client));

export interface ShopPartitionedProjectorOptions {
  readonly bus: string;
  /** The read store's client (the projector's pool); the projections' tables are prepared already. */
  readonly client: PostgresClient;
  readonly group: PartitionGroup;
  readonly leaseTtlMs?: number | undefined;
  readonly batchSize?: number | undefined;
  /** Opens the personal data the relay publishes sealed; none when the store keeps it in clear. */
  readonly vault?: PersonalDataVault | undefined;
  readonly logger?: Logger | undefined;
}

/** Prepares the group's rows (from the projections' checkpoints when they ran unpartitioned) and returns its worker, not started. */
export async function openShopPartitionedProjector(options: ShopPartitionedProjectorOptions): Promise<PartitionedProjector> {
  const { bus, client, group, leaseTtlMs, batchSize, vault, logger } = options;
  const ledger = postgresPartitionLedger(client, { projections: partitionableProjections });
  await ledger.prepareGroup(group);
  return createPartitionedProjector({
    servers: bus,
    ledger,
    group,
    ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(vault === undefined ? {} : { readable: (events) => openEvents(events, vault, shopPersonalFields) }),
    ...(logger === undefined ? {} : { logger }),
  });
}
