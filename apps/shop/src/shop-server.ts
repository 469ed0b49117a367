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
import { createHttpApp, healthRoutes, projectionRoutes, streamRoutes, type HttpApp } from '@twofold/http';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, type PostgresClient, type SqlSession } from '@twofold/postgres';
import type { FastifyBaseLogger } from 'fastify';
import { commandRoutes } from './http/command-routes.js';
import { queryRoutes } from './http/query-routes.js';
import { customerOrders, merchantBalances, orderSearch, orderSummaries, productCatalog, salesAnalytics } from './projections/index.js';

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
  const { store, readStore, roles = allRoles, port = 3000, host = '127.0.0.1', logger = false } = options;
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
    // every role may read the read models, so their tables exist before the first query
    for (const projection of shopProjections) await projectionStore.prepare(projection);

    const daemon = roles.has('projector')
      ? createProjectionDaemon({
          eventStore,
          projectionStore,
          projections: shopProjections,
          ...options.daemon,
          ...(coreLogger === undefined ? {} : { logger: coreLogger }),
        })
      : undefined;

    const consistencyGate = createConsistencyGate({ eventStore, projectionStore });
    const app = await createHttpApp({ consistencyGate, logger: logger === false ? false : logger, openApi: { title: 'Twofold shop' } });
    cleanups.push(() => app.close());
    healthRoutes(app, {
      readinessCheck: async () => {
        await writeClient.query('select 1');
        if (readClient !== writeClient) await readClient.query('select 1');
      },
    });
    projectionRoutes(app, { eventStore, projectionStore, ...(daemon === undefined ? {} : { daemon }) });
    if (roles.has('command')) commandRoutes(app, eventStore);
    if (roles.has('query')) {
      queryRoutes(app, readClient);
      streamRoutes(app, { eventStore });
    }
    await app.listen({ port, host });
    daemon?.start();
    if (daemon !== undefined) cleanups.push(() => daemon.stop());

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
