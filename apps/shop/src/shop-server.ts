// The composition root: opens the stores a deployment names, wires the shop's handlers, read models and daemon, serves HTTP.
import {
  createCommandProcessor,
  createConsistencyGate,
  createProjectionDaemon,
  type CommandProcessor,
  type EventStore,
  type Logger,
  type ProjectionDaemon,
  type ProjectionDefinition,
  type ProjectionStore,
} from '@twofold/core';
import type { Role } from '@twofold/cli';
import { createHttpApp, healthRoutes, metricsRoutes, projectionAdminRoutes, projectionRoutes, streamRoutes, type HttpApp } from '@twofold/http';
import {
  migrate,
  openSqlClient,
  postgresEventStore,
  postgresProjectionStore,
  postgresSnapshotStore,
  readerHoldback,
  type PostgresClient,
  type SqlSession,
} from '@twofold/postgres';
import { createRedisClient, redisProjectionStore } from '@twofold/redis';
import type { FastifyBaseLogger } from 'fastify';
import { commandRoutes } from './http/command-routes.js';
import { queryRoutes } from './http/query-routes.js';
import {
  customerOrders,
  getRedisOrderSummary,
  merchantBalances,
  orderSearch,
  orderSummaries,
  orderSummariesBesideTheLog,
  productCatalog,
  redisOrderSummaries,
  salesAnalytics,
} from './projections/index.js';

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

export interface ShopOptions {
  /** Write side: `pglite:DIR`, `pglite:memory`, `memory` (= pglite:memory) or `postgres://…`. */
  readonly store: string;
  /** Read models and checkpoints; default: the store. */
  readonly readStore?: string | undefined;
  /** `redis://…`: keep orders by id in Redis instead of the read store. */
  readonly kv?: string | undefined;
  /** Prefix of every Redis key the shop writes (default `twofold:`), so several deployments can share one Redis. */
  readonly kvKeyPrefix?: string | undefined;
  readonly roles?: ReadonlySet<Role>;
  readonly port?: number;
  readonly host?: string;
  /** pino-compatible; false for none. */
  readonly logger?: (FastifyBaseLogger & Logger) | false;
  /**
   * Projection daemon tuning. minBatchIntervalMs defaults to 50 ms on PGlite (one thread does everything: batches
   * of one append each starve the commands) and 10 ms on PostgreSQL.
   */
  readonly daemon?: { readonly batchSize?: number; readonly pollIntervalMs?: number; readonly leaseRetryMs?: number; readonly minBatchIntervalMs?: number };
  /** Write-side tuning: the state cache's bounds (default 10,000 streams, 64 MiB) and the largest batch (256). */
  readonly commands?: { readonly cacheEntries?: number; readonly cacheBytes?: number; readonly maxBatchSize?: number };
}

export interface Shop {
  readonly url: string;
  readonly app: HttpApp;
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<SqlSession>;
  readonly readClient: PostgresClient;
  readonly daemon: ProjectionDaemon | undefined;
  /** The command processor, when this process takes commands. */
  readonly commands: CommandProcessor | undefined;
  close(): Promise<void>;
}

const allRoles: ReadonlySet<Role> = new Set(['command', 'query', 'projector']);

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { store, readStore, kv, kvKeyPrefix, roles = allRoles, port = 3000, host = '127.0.0.1', logger = false } = options;
  const coreLogger = logger === false ? undefined : logger;
  const opened: PostgresClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const open = async (url: string): Promise<PostgresClient> => {
    const client = await openSqlClient(url === 'memory' ? 'pglite:memory' : url, coreLogger === undefined ? {} : { logger: coreLogger });
    opened.push(client);
    return client;
  };
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const client of opened.reverse()) await client.close().catch(() => undefined);
  };

  try {
    const writeClient = await open(store);
    const readClient = readStore === undefined || readStore === store ? writeClient : await open(readStore);
    await migrate(writeClient);
    if (readClient !== writeClient) await migrate(readClient);

    const eventStore = postgresEventStore(writeClient);
    const projectionStore = postgresProjectionStore(readClient);
    cleanups.push(() => eventStore.close(), () => projectionStore.close());
    // one processor per process: it caches stream states and groups concurrent commands into one append;
    // closed after the HTTP server (cleanups run last first), so requests in flight finish their commands
    const commands = roles.has('command')
      ? createCommandProcessor({
          eventStore,
          snapshotStore: postgresSnapshotStore(writeClient),
          cache: { maxEntries: options.commands?.cacheEntries ?? 10_000, maxBytes: options.commands?.cacheBytes ?? 64 * 2 ** 20 },
          ...(options.commands?.maxBatchSize === undefined ? {} : { maxBatchSize: options.commands.maxBatchSize }),
          ...(coreLogger === undefined ? {} : { logger: coreLogger }),
        })
      : undefined;
    if (commands !== undefined) cleanups.push(() => commands.close());
    // with a key-value store, orders by id live there and the SQL read store keeps the rest
    const embedded = store === 'memory' || store.startsWith('pglite:');
    // beside the log on a PostgreSQL server; on PGlite the SQL runs in WebAssembly on this thread, where
    // decoding the events in JavaScript is the cheaper way (measured: about 1.4x the commands/s)
    const projections = readClient === writeClient && !embedded ? shopProjectionsBesideTheLog : shopProjections;
    const sqlProjections = kv === undefined ? projections : projections.filter((p) => p.name !== orderSummaries.name);
    // every role may read the read models, so their tables exist before the first query
    for (const projection of sqlProjections) await projectionStore.prepare(projection);
    const daemonSettings = { minBatchIntervalMs: embedded ? 50 : 10, ...options.daemon, ...(coreLogger === undefined ? {} : { logger: coreLogger }) };
    const runsProjections = roles.has('projector');

    const daemon = runsProjections ? createProjectionDaemon({ eventStore, projectionStore, projections: sqlProjections, ...daemonSettings }) : undefined;
    const keyValue = kv === undefined ? undefined : await openKeyValue(kv, kvKeyPrefix, eventStore, runsProjections, daemonSettings, cleanups);

    const lagThresholdsMs = Object.fromEntries(
      [...shopProjections, redisOrderSummaries].flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs] as const])),
    );
    const consistencyGate = createConsistencyGate({ eventStore, projectionStore });
    const app = await createHttpApp({ consistencyGate, lagThresholdsMs, logger: logger === false ? false : logger, openApi: { title: 'Twofold shop' } });
    cleanups.push(() => app.close());
    // every projection of every store, as one list for /api/projections and /metrics
    const checkpoints = { readCheckpoints: async () => [...(await projectionStore.readCheckpoints()), ...((await keyValue?.store.readCheckpoints()) ?? [])] };
    const daemons = [daemon, keyValue?.daemon].filter((d): d is ProjectionDaemon => d !== undefined);
    const allDaemons = {
      statuses: () => daemons.flatMap((d) => d.statuses()),
      onProgress: (listener: Parameters<ProjectionDaemon['onProgress']>[0]) => {
        const unsubscribes = daemons.map((d) => d.onProgress(listener));
        return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
      },
    };
    metricsRoutes(app, {
      eventStore,
      projectionStore: checkpoints,
      daemon: allDaemons,
      lagThresholdsMs,
      readerHoldback: () => readerHoldback(writeClient),
      ...(commands === undefined ? {} : { commands }),
    });
    healthRoutes(app, {
      readinessCheck: async () => {
        await writeClient.query('select 1');
        if (readClient !== writeClient) await readClient.query('select 1');
        await keyValue?.client.ping();
      },
    });
    projectionRoutes(app, { eventStore, projectionStore: checkpoints, daemon: allDaemons, lagThresholdsMs });
    // the SQL read store's projections; the Redis one cannot be paused or rebuilt beside itself
    projectionAdminRoutes(app, { administration: projectionStore, versions: Object.fromEntries(sqlProjections.map((p) => [p.name, p.version])) });
    if (commands !== undefined) commandRoutes(app, commands);
    if (roles.has('query')) {
      queryRoutes(app, readClient, {
        ...(keyValue === undefined
          ? {}
          : {
              orderSummaries: {
                read: (orderId: string) => getRedisOrderSummary(keyValue.store.reader(redisOrderSummaries.name), orderId),
                consistencyGate: createConsistencyGate({ eventStore, projectionStore: keyValue.store }),
              },
            }),
      });
      streamRoutes(app, { eventStore });
    }
    await app.listen({ port, host });
    for (const running of daemons) {
      running.start();
      cleanups.push(() => running.stop());
    }

    const address = app.server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    let closing: Promise<void> | undefined;
    return {
      url,
      app,
      eventStore,
      projectionStore,
      readClient,
      daemon,
      commands,
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Opens Redis for the orders-by-id read model, and its daemon when this process projects. */
async function openKeyValue(
  url: string,
  keyPrefix: string | undefined,
  eventStore: EventStore,
  runsProjections: boolean,
  settings: Omit<Parameters<typeof createProjectionDaemon>[0], 'eventStore' | 'projectionStore' | 'projections'>,
  cleanups: (() => Promise<void>)[],
) {
  const client = createRedisClient(url);
  const store = redisProjectionStore(client, keyPrefix === undefined ? {} : { keyPrefix });
  cleanups.push(async () => void (await client.quit().catch(() => client.disconnect())), () => store.close());
  await store.prepare(redisOrderSummaries);
  const daemon = runsProjections ? createProjectionDaemon({ eventStore, projectionStore: store, projections: [redisOrderSummaries], ...settings }) : undefined;
  return { client, store, daemon };
}
