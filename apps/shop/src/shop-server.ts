// The composition root: opens the stores a deployment names, wires the shop's handlers, read models and daemon, serves HTTP.
import {
  createConsistencyGate,
  createProjectionDaemon,
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

export interface ShopOptions {
  /** Write side: `pglite:DIR`, `pglite:memory`, `memory` (= pglite:memory) or `postgres://…`. */
  readonly store: string;
  /** Read models and checkpoints; default: the store. */
  readonly readStore?: string | undefined;
  /** `redis://…`: keep orders by id in Redis instead of the read store. */
  readonly kv?: string | undefined;
  readonly roles?: ReadonlySet<Role>;
  readonly port?: number;
  readonly host?: string;
  /** pino-compatible; false for none. */
  readonly logger?: (FastifyBaseLogger & Logger) | false;
  readonly daemon?: { readonly batchSize?: number; readonly pollIntervalMs?: number; readonly leaseRetryMs?: number };
}

export interface Shop {
  readonly url: string;
  readonly app: HttpApp;
  readonly eventStore: EventStore;
  readonly projectionStore: ProjectionStore<SqlSession>;
  readonly readClient: PostgresClient;
  readonly daemon: ProjectionDaemon | undefined;
  close(): Promise<void>;
}

const allRoles: ReadonlySet<Role> = new Set(['command', 'query', 'projector']);

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { store, readStore, kv, roles = allRoles, port = 3000, host = '127.0.0.1', logger = false } = options;
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
    // with a key-value store, orders by id live there and the SQL read store keeps the rest
    const sqlProjections = kv === undefined ? shopProjections : shopProjections.filter((p) => p.name !== orderSummaries.name);
    // every role may read the read models, so their tables exist before the first query
    for (const projection of sqlProjections) await projectionStore.prepare(projection);
    const daemonSettings = { ...options.daemon, ...(coreLogger === undefined ? {} : { logger: coreLogger }) };
    const runsProjections = roles.has('projector');

    const daemon = runsProjections ? createProjectionDaemon({ eventStore, projectionStore, projections: sqlProjections, ...daemonSettings }) : undefined;
    const keyValue = kv === undefined ? undefined : await openKeyValue(kv, eventStore, runsProjections, daemonSettings, cleanups);

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
    if (roles.has('command')) commandRoutes(app, eventStore);
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
  eventStore: EventStore,
  runsProjections: boolean,
  settings: Omit<Parameters<typeof createProjectionDaemon>[0], 'eventStore' | 'projectionStore' | 'projections'>,
  cleanups: (() => Promise<void>)[],
) {
  const client = createRedisClient(url);
  const store = redisProjectionStore(client);
  cleanups.push(async () => void (await client.quit().catch(() => client.disconnect())), () => store.close());
  await store.prepare(redisOrderSummaries);
  const daemon = runsProjections ? createProjectionDaemon({ eventStore, projectionStore: store, projections: [redisOrderSummaries], ...settings }) : undefined;
  return { client, store, daemon };
}
