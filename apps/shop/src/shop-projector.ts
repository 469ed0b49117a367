// The shop's projector: which read models a deployment keeps where, and the daemons that keep them.
import { createProjectionDaemon, type EventStore, type Logger, type ProjectionDaemon, type ProjectionDaemonOptions, type ProjectionDefinition } from '@twofold/core';
import { postgresEventStore, postgresProjectionStore, storeIdentity, type PostgresClient, type SqlSession } from '@twofold/postgres';
import { claimRedisNamespace, createRedisClient, defaultKeyPrefix, evictionWarning, redisProjectionStore, type RedisProjectionStore } from '@twofold/redis';
import { shopEventStore } from './domain/event-schemas.js';
import {
  customerOrders,
  merchantBalances,
  orderSearch,
  orderSummaries,
  orderSummariesBesideTheLog,
  productCatalog,
  redisOrderSummaries,
  salesAnalytics,
} from './projections/index.js';
import { shopClients, type PoolSizes, type SessionTimeouts, type ShopClients } from './shop-clients.js';

export const shopProjections: readonly ProjectionDefinition<SqlSession>[] = [
  orderSummaries,
  productCatalog,
  orderSearch,
  merchantBalances,
  salesAnalytics,
  customerOrders,
];

/**
 * The projections when the read store is the event store's own PostgreSQL database: orderSummaries then
 * reads its events from the log by position instead of receiving their bodies. Same names, versions and rows.
 */
export const shopProjectionsBesideTheLog: readonly ProjectionDefinition<SqlSession>[] = shopProjections.map((projection) =>
  projection === orderSummaries ? orderSummariesBesideTheLog : projection,
);

/** Where a deployment keeps its events and read models. */
export interface ShopStorage {
  /** `pglite:DIR`, `pglite:memory`, `memory` or `postgres://…`. */
  readonly store: string;
  /** Read models and checkpoints; default: the store. */
  readonly readStore?: string | undefined;
  /** `redis://…`: orders by id in Redis. */
  readonly kv?: string | undefined;
  /** The Redis namespace; default derived from the event store's identity, so two deployments never share keys. */
  readonly kvKeyPrefix?: string | undefined;
  /** Read models run by partitioned projectors over the bus (see partitioned-read-models.ts): the daemons leave them out. */
  readonly partitioned?: readonly string[] | undefined;
}

export const isEmbedded = (store: string): boolean => store === 'memory' || store.startsWith('pglite:');

/** The SQL read models of a deployment: beside the log when they share a PostgreSQL server; orders by id left to Redis when there is one. */
export function sqlProjectionsOf(storage: ShopStorage): readonly ProjectionDefinition<SqlSession>[] {
  const sameDatabase = storage.readStore === undefined || storage.readStore === storage.store;
  // on PGlite the SQL runs in WebAssembly on this thread, where decoding the events in JavaScript is the cheaper
  // way (measured: about 1.4x the commands/s)
  const projections = sameDatabase && !isEmbedded(storage.store) ? shopProjectionsBesideTheLog : shopProjections;
  return storage.kv === undefined ? projections : projections.filter((p) => p.name !== orderSummaries.name);
}

export type DaemonSettings = Omit<ProjectionDaemonOptions<unknown>, 'eventStore' | 'projectionStore' | 'projections'>;

/** minBatchIntervalMs defaults to 50 ms on PGlite (one thread does everything: batches of one append each starve the commands) and 10 ms on a server. */
export const daemonSettingsFor = (storage: ShopStorage, settings: Partial<DaemonSettings>, logger: Logger | undefined): DaemonSettings => ({
  minBatchIntervalMs: isEmbedded(storage.store) ? 50 : 10,
  ...settings,
  ...(logger === undefined ? {} : { logger }),
});

/** Which namespace a deployment keeps its Redis read models in, and what it tells of the event store it belongs to. */
export interface KeyValueNamespace {
  readonly keyPrefix: string;
  /** The event store's identity: a namespace that holds another store's read models is refused. */
  readonly storeId: string;
  /** The store's last position: a namespace from before owners were recorded, with checkpoints past it, is refused too. */
  readonly headPosition: number;
}

/** The Redis namespace of the deployment whose event store `eventsClient` reaches: the one asked for, else one derived from the store. */
export async function keyValueNamespace(eventsClient: PostgresClient, eventStore: Pick<EventStore, 'head'>, keyPrefix: string | undefined): Promise<KeyValueNamespace> {
  const storeId = await storeIdentity(eventsClient);
  const headPosition = (await eventStore.head())?.cursor.position ?? 0;
  return { keyPrefix: keyPrefix ?? defaultKeyPrefix(storeId), storeId, headPosition };
}

export interface KeyValueStoreOptions extends KeyValueNamespace {
  readonly logger?: Logger | undefined;
  /** How long the read model's lease lasts unrenewed (the Redis store's default when absent). */
  readonly leaseTtlMs?: number | undefined;
}

/**
 * Opens Redis for the orders-by-id read model: its client, its store, and what closes them. Refuses a namespace of
 * another event store; warns when Redis may evict keys.
 */
export async function openKeyValueStore(
  url: string,
  options: KeyValueStoreOptions,
): Promise<{ client: ReturnType<typeof createRedisClient>; store: RedisProjectionStore; close(): Promise<void> }> {
  const { keyPrefix, storeId, headPosition, logger, leaseTtlMs } = options;
  const client = createRedisClient(url);
  const store = redisProjectionStore(client, { keyPrefix, ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }) });
  try {
    await claimRedisNamespace(client, keyPrefix, storeId, { headPosition });
    const warning = await evictionWarning(client);
    if (warning !== undefined) logger?.warn({ keyPrefix }, warning);
    await store.prepare(redisOrderSummaries);
  } catch (error) {
    await store.close().catch(() => undefined);
    client.disconnect();
    throw error;
  }
  return {
    client,
    store,
    async close() {
      await store.close().catch(() => undefined);
      await client.quit().catch(() => client.disconnect());
    },
  };
}

export interface ShopProjector {
  readonly daemons: readonly ProjectionDaemon[];
  /** Stops the daemons (each finishes its batch) and closes what the projector opened. */
  close(): Promise<void>;
}

/** How a projector process holds its leases and bounds its sessions. */
export interface ProjectorBounds {
  /** Bounds on the projector's (and commands') sessions; default 5 s idle in a transaction, 30 s a statement. */
  readonly timeouts?: Partial<SessionTimeouts>;
  /** A projection lease not renewed for this long expires and a standby takes it (default 5 s; renewed every ttl / 3). */
  readonly leaseTtlMs?: number;
}

export interface ShopProjectorOptions extends ShopStorage, ProjectorBounds {
  /** The process's clients to take the projector's from (they stay open); default: clients of its own. */
  readonly clients?: ShopClients;
  readonly pools?: Partial<PoolSizes>;
  readonly daemon?: Partial<DaemonSettings>;
  readonly logger?: Logger;
}

/**
 * A projector with clients of its own (the projector thread, or a process of its own): the daemons of every read
 * model the deployment keeps, over the projector's pool. The caller starts them; the schema is migrated by then.
 */
export async function openShopProjector(options: ShopProjectorOptions): Promise<ShopProjector> {
  const ownClients = options.clients === undefined;
  const clients: ShopClients =
    options.clients ??
    shopClients({
      ...(options.pools === undefined ? {} : { pools: options.pools }),
      ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  const lease = options.leaseTtlMs === undefined ? {} : { lease: { ttlMs: options.leaseTtlMs } };
  const closers: (() => Promise<void>)[] = [];
  const daemons: ProjectionDaemon[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(daemons.map((daemon) => daemon.stop().catch(() => undefined)));
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    if (ownClients) await clients.close();
  };
  try {
    const eventsClient = await clients.clientFor('projector', options.store);
    const eventStore: EventStore = shopEventStore(postgresEventStore(eventsClient));
    const projectionStore = postgresProjectionStore(await clients.clientFor('projector', options.readStore ?? options.store), lease);
    closers.push(() => eventStore.close(), () => projectionStore.close());
    const settings = daemonSettingsFor(options, options.daemon ?? {}, options.logger);
    const projections = sqlProjectionsOf(options);
    for (const projection of projections) await projectionStore.prepare(projection);
    const unpartitioned = projections.filter((p) => !(options.partitioned ?? []).includes(p.name));
    daemons.push(createProjectionDaemon({ eventStore, projectionStore, projections: unpartitioned, ...settings }));
    if (options.kv !== undefined) {
      // the process that starts the projector has warned about the eviction policy already
      const keyValue = await openKeyValueStore(options.kv, { ...(await keyValueNamespace(eventsClient, eventStore, options.kvKeyPrefix)), leaseTtlMs: options.leaseTtlMs });
      closers.push(() => keyValue.close());
      daemons.push(createProjectionDaemon({ eventStore, projectionStore: keyValue.store, projections: [redisOrderSummaries], ...settings }));
    }
    return { daemons, close };
  } catch (error) {
    await close();
    throw error;
  }
}
