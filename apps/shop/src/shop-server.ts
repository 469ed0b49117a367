// The composition root: opens the stores a deployment names, wires the shop's handlers, read models and projector, serves HTTP.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import {
  createCommandProcessor,
  createConsistencyGate,
  type AppliedBatch,
  type CheckpointListener,
  type CommandProcessor,
  type ConsistencyGate,
  type EventStore,
  type IdempotencyStore,
  type Logger,
  type ProjectionDaemon,
  type ProjectionStore,
} from '@twofold/core';
import type { Role } from '@twofold/cli';
import {
  createHttpApp,
  healthRoutes,
  liveMetricsRoutes,
  metricsRoutes,
  partitionMetrics,
  parseApiKeys,
  projectionAdminRoutes,
  projectionRoutes,
  staticSiteRoutes,
  streamRoutes,
  type ApiKeyring,
  type HttpApp,
  type RateLimit,
} from '@twofold/http';
import { createJetStreamRelay, type JetStreamRelay, type PartitionedProjector } from '@twofold/nats';
import {
  defaultIdempotencyKeyTtlMs,
  migrate,
  postgresEventStore,
  postgresPartitionPositions,
  postgresIdempotencyStore,
  postgresProjectionStore,
  postgresSnapshotStore,
  readerHoldback,
  watchReaderHoldback,
  storedSchemaVersions,
  type PostgresClient,
  type SqlSession,
} from '@twofold/postgres';
import { shopEventSchemas, shopEventStore } from './domain/event-schemas.js';
import type { FastifyBaseLogger } from 'fastify';
import { seedWhenEmpty, type DemoSeeding } from './demo/seed-when-empty.js';
import { commandRoutes } from './http/command-routes.js';
import { queryRoutes } from './http/query-routes.js';
import { shopRouteAccess } from './http/route-access.js';
import { getRedisOrderSummary, redisOrderSummaries } from './projections/index.js';
import { administrationByName } from './administration-by-name.js';
import { shopClients, type PoolSizes, type SessionTimeouts } from './shop-clients.js';
import { isEmbedded, keyValueNamespace, openKeyValueStore, openShopProjector, shopProjections, sqlProjectionsOf } from './shop-projector.js';
import { threadedProjector, type ThreadedProjector } from './threaded-projector.js';
import { openShopPartitionedProjector, shopPartitionGroup, withPartitions } from './partitioned-read-models.js';
import { isStandby, polledOnly } from './standby-read-store.js';

export { shopProjections, shopProjectionsBesideTheLog } from './shop-projector.js';

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
  /** `nats://host:port[,host:port…]`: the JetStream carrier; the relay role needs it. */
  readonly bus?: string | undefined;
  /** The relay's JetStream stream: replicas when it creates it (1; 3 in a cluster) and the fixed partition count (32). */
  readonly relay?: { readonly replicas?: number; readonly partitions?: number };
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
  /** How long an `Idempotency-Key` is remembered (default 24 h); older keys are deleted hourly. */
  readonly idempotencyKeyTtlMs?: number;
  /**
   * Bounds on the command and projector sessions on a PostgreSQL server (default: 5 s idle in a transaction, 30 s
   * a statement), so a stalled process cannot hold back what every log reader sees for longer.
   */
  readonly timeouts?: Partial<SessionTimeouts>;
  /** A projection lease not renewed for this long expires and a standby takes it (default 5 s). */
  readonly leaseTtlMs?: number;
  /** Connections per role on a PostgreSQL server (default: commands 6, projector 6, reads 8); PGlite has one. */
  readonly pools?: Partial<PoolSizes>;
  /**
   * Run the projector in a worker thread, so a storm of requests cannot starve it (default: when this process
   * also serves requests, its store is a PostgreSQL server and the machine has more than one core). On PGlite it
   * cannot: the database lives on this thread.
   */
  readonly projectorThread?: boolean;
  /** Called with each projector thread started: to watch it (or, in a test, to end it as a crash would). */
  readonly onProjectorThread?: (thread: Worker) => void;
  /** API keys with roles (`key1:reader,key2:writer,key3:admin`, or parsed); none: every route open (listen on loopback only). */
  readonly apiKeys?: ApiKeyring | string | undefined;
  /** Requests per second per key (per address without keys); default none. */
  readonly rateLimit?: RateLimit | undefined;
  /** HTTP limits: see createHttpApp (defaults 30 s to receive a request, no idle limit). */
  readonly requestTimeoutMs?: number | undefined;
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Closing: for `shutdownDrainMs` (default 0) requests are still served, but readiness answers 503 and every answer
   * closes its connection, so load balancers and clients move on; then requests in flight get `shutdownGraceMs`
   * (default 5 s) to finish.
   */
  readonly shutdownDrainMs?: number | undefined;
  readonly shutdownGraceMs?: number | undefined;
  /** The built dashboard (apps/dashboard/dist), served at `/`; none when absent. */
  readonly dashboardDir?: string;
  /**
   * Seed the demo shop through the command processor when the store has no events at all (default false: the CLI's
   * `serve` asks for it). Runs after the server listens, so the page shows the read models catching up.
   */
  readonly seed?: boolean | DemoSeeding;
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
  /** The relay to JetStream, when this process has the relay role (active or standing by). */
  readonly relay: JetStreamRelay | undefined;
  /** This process's share of the partitioned read models, when it is a projector with a bus. */
  readonly partitionedProjector: PartitionedProjector | undefined;
  close(): Promise<void>;
}

const allRoles: ReadonlySet<Role> = new Set(['command', 'query', 'projector']);

/** One daemon's face over several: statuses and progress of all, started and stopped together. */
function combined(daemons: readonly ProjectionDaemon[]): ProjectionDaemon {
  return {
    start: () => daemons.forEach((daemon) => daemon.start()),
    stop: async () => void (await Promise.all(daemons.map((daemon) => daemon.stop()))),
    statuses: () => daemons.flatMap((daemon) => daemon.statuses()),
    onProgress(listener) {
      const unsubscribes = daemons.map((daemon) => daemon.onProgress(listener));
      return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
    },
  };
}

/**
 * What a gate listens to: the store's announcements, and the batches this process's projector commits (told at once,
 * not through a notification's round trip) of the read models the gate answers for.
 */
function checkpointFeed(
  store: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>,
  daemon: ProjectionDaemon | undefined,
  names: ReadonlySet<string>,
): Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'> {
  return {
    readCheckpoints: (only) => store.readCheckpoints(only),
    subscribe(listener: CheckpointListener) {
      const fromStore = store.subscribe(listener);
      const fromDaemon = daemon?.onProgress((batch: AppliedBatch) => {
        if (batch.live && names.has(batch.name)) listener([{ name: batch.name, cursor: batch.cursor, lastEventAt: batch.lastEventAt }]);
      });
      return () => {
        fromStore();
        fromDaemon?.();
      };
    },
  };
}

export async function startShop(options: ShopOptions): Promise<Shop> {
  const { store, readStore, kv, kvKeyPrefix, bus, roles = allRoles, port = 3000, host = '127.0.0.1', logger = false } = options;
  const coreLogger: Logger | undefined = logger === false ? undefined : logger;
  const apiKeys = typeof options.apiKeys === 'object' ? options.apiKeys : parseApiKeys(options.apiKeys);
  const storage: { store: string; readStore: string | undefined; kv: string | undefined; kvKeyPrefix: string | undefined; partitioned?: readonly string[] } = { store, readStore, kv, kvKeyPrefix };
  const modelsUrl = readStore ?? store;
  const clients = shopClients({
    ...(options.pools === undefined ? {} : { pools: options.pools }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(coreLogger === undefined ? {} : { logger: coreLogger }),
  });
  const bounds = {
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
  };
  // stopped in this order: no new requests, then commands finish, the projector its batches, and the stores close
  let app: HttpApp | undefined;
  let commands: CommandProcessor | undefined;
  let daemon: ProjectionDaemon | undefined;
  let seeding: { stop(): Promise<void> } | undefined;
  let relay: JetStreamRelay | undefined;
  let partitionedProjector: PartitionedProjector | undefined;
  const gates: ConsistencyGate[] = [];
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    await seeding?.stop();
    await app?.close().catch(() => undefined);
    await commands?.close().catch(() => undefined);
    await daemon?.stop().catch(() => undefined);
    await partitionedProjector?.stop().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    gates.forEach((gate) => gate.close());
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    await clients.close();
  };

  if (roles.has('relay') && bus === undefined) throw new Error('the relay role needs a bus (nats://host:port)');
  try {
    // reads: queries, the gate, health and metrics, on their own pool
    const readsEvents = await clients.clientFor('reads', store);
    const readsModels = await clients.clientFor('reads', modelsUrl);
    await migrate(readsEvents);
    // a read store that is a streaming replica serves queries only (see standby-read-store.ts)
    const modelsOnStandby = readsModels !== readsEvents && (await isStandby(readsModels));
    if (modelsOnStandby && (roles.has('projector') || roles.has('relay'))) throw new Error('the read store is a standby (a read-only replica): run only the query and command roles on it');
    if (readsModels !== readsEvents && !modelsOnStandby) await migrate(readsModels);
    // a store holding an event version this code cannot read is refused here, before anything reads it
    shopEventSchemas.verify(await storedSchemaVersions(readsEvents));
    const readEventStore = shopEventStore(postgresEventStore(readsEvents));
    const projectionStore = postgresProjectionStore(readsModels);
    closers.push(() => readEventStore.close(), () => projectionStore.close());

    // commands: one processor per process, on the commands' pool; it caches stream states and groups concurrent
    // commands into one append
    let eventStore: EventStore = readEventStore;
    let idempotencyStore: IdempotencyStore | undefined;
    if (roles.has('command')) {
      const commandClient = await clients.clientFor('commands', store);
      const idempotencyKeyTtlMs = options.idempotencyKeyTtlMs ?? defaultIdempotencyKeyTtlMs;
      const commandEvents = shopEventStore(postgresEventStore(commandClient, { idempotencyKeyTtlMs }));
      closers.push(() => commandEvents.close());
      idempotencyStore = postgresIdempotencyStore(commandClient, { ttlMs: idempotencyKeyTtlMs });
      const keys = idempotencyStore;
      // expired keys are already ignored; this only keeps the table small
      const sweep = setInterval(() => {
        keys.deleteExpired().catch((error: unknown) => coreLogger?.warn({ err: error }, 'could not delete expired idempotency keys'));
      }, Math.min(idempotencyKeyTtlMs, 60 * 60 * 1000));
      sweep.unref();
      closers.push(async () => clearInterval(sweep));
      eventStore = commandEvents;
      commands = createCommandProcessor({
        eventStore: commandEvents,
        snapshotStore: postgresSnapshotStore(commandClient),
        cache: { maxEntries: options.commands?.cacheEntries ?? 10_000, maxBytes: options.commands?.cacheBytes ?? 64 * 2 ** 20 },
        ...(options.commands?.maxBatchSize === undefined ? {} : { maxBatchSize: options.commands.maxBatchSize }),
        ...(coreLogger === undefined ? {} : { logger: coreLogger }),
      });
    }

    // every role may read the read models, so their tables exist before the first query
    const sqlProjections = sqlProjectionsOf(storage);
    if (!modelsOnStandby) for (const projection of sqlProjections) await projectionStore.prepare(projection);
    // the Redis namespace is settled here, once, so the projector (in a thread or not) writes where the queries read
    const namespace = kv === undefined ? undefined : await keyValueNamespace(readsEvents, readEventStore, kvKeyPrefix);
    if (namespace !== undefined) storage.kvKeyPrefix = namespace.keyPrefix;
    const keyValue = kv === undefined || namespace === undefined ? undefined : await openKeyValueStore(kv, { ...namespace, logger: coreLogger, leaseTtlMs: options.leaseTtlMs });
    if (keyValue !== undefined) closers.push(() => keyValue.close());

    // with a bus, the read models fed by one stream each run partitioned: this projector's share of the buckets
    const partitionGroup = bus === undefined ? undefined : shopPartitionGroup(sqlProjections, options.relay?.partitions);
    if (roles.has('projector') && partitionGroup !== undefined) {
      storage.partitioned = partitionGroup.projections;
      partitionedProjector = await openShopPartitionedProjector({
        bus: bus!, client: await clients.clientFor('projector', modelsUrl), group: partitionGroup, leaseTtlMs: options.leaseTtlMs, batchSize: options.daemon?.batchSize, logger: coreLogger,
      });
    }

    // the projector: in a thread of its own beside an HTTP server on a multi-core machine, else on this thread
    let threaded: ThreadedProjector | undefined;
    if (roles.has('projector')) {
      const servesRequests = roles.has('command') || roles.has('query');
      const inThread = options.projectorThread ?? (servesRequests && !isEmbedded(store) && availableParallelism() > 1);
      if (inThread && isEmbedded(store)) throw new Error('the projector cannot run in a thread of its own on PGlite: the database lives on the main thread');
      if (inThread) {
        const level = logger === false ? undefined : logger.level;
        threaded = threadedProjector({
          // a batch not done by then is rolled back with its connection: its checkpoint never moved
          stopTimeoutMs: 3_000,
          data: {
            ...storage,
            ...bounds,
            ...(options.pools === undefined ? {} : { pools: options.pools }),
            ...(options.daemon === undefined ? {} : { daemon: options.daemon }),
            ...(level === undefined ? {} : { logLevel: level }),
          },
          ...(coreLogger === undefined ? {} : { logger: coreLogger }),
          ...(options.onProjectorThread === undefined ? {} : { onThread: options.onProjectorThread }),
        });
        daemon = threaded;
      } else {
        const projector = await openShopProjector({ ...storage, ...bounds, clients, ...(options.daemon === undefined ? {} : { daemon: options.daemon }), ...(coreLogger === undefined ? {} : { logger: coreLogger }) });
        daemon = combined(projector.daemons);
        closers.push(() => projector.close());
      }
    }

    const lagThresholdsMs = Object.fromEntries(
      [...shopProjections, redisOrderSummaries].flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs] as const])),
    );
    // partitioned read models count as far as their lowest partition, in every process (rows found in the read store)
    const gateFeed = withPartitions(checkpointFeed(projectionStore, daemon, new Set(sqlProjections.map((p) => p.name))), readsModels);
    const gate = createConsistencyGate({ eventStore, projectionStore: modelsOnStandby ? polledOnly(gateFeed) : gateFeed });
    gates.push(gate);
    app = await createHttpApp({
      consistencyGate: gate,
      lagThresholdsMs,
      logger: logger === false ? false : logger,
      openApi: { title: 'Twofold shop' },
      access: { table: shopRouteAccess, apiKeys },
      ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs }),
      ...(options.shutdownDrainMs === undefined ? {} : { shutdownDrainMs: options.shutdownDrainMs }),
      ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
      ...(idempotencyStore === undefined ? {} : { idempotencyStore }),
    });
    // every projection of every store, as one list for /api/projections and /metrics
    const sqlCheckpoints = withPartitions(projectionStore, readsModels);
    const checkpoints = { readCheckpoints: async () => [...(await sqlCheckpoints.readCheckpoints()), ...((await keyValue?.store.readCheckpoints()) ?? [])] };
    const partitions = postgresPartitionPositions(readsModels);
    const noDaemon = { statuses: () => [], onProgress: () => () => undefined };
    const registry = metricsRoutes(app, {
      eventStore: readEventStore,
      projectionStore: checkpoints,
      daemon: daemon ?? noDaemon,
      lagThresholdsMs,
      readerHoldback: () => readerHoldback(readsEvents),
      ...(commands === undefined ? {} : { commands }),
    });
    partitionMetrics(registry, { eventStore: readEventStore, partitions: () => partitions.read() });
    const distinctClients = [...new Set<PostgresClient>([readsEvents, readsModels])];
    // on a server, other processes' transactions can hold every reader back: say who, once per episode, and in health
    const holdbackWatch = readsEvents.capabilities.multipleConnections ? watchReaderHoldback(readsEvents, coreLogger === undefined ? {} : { logger: coreLogger }) : undefined;
    if (holdbackWatch !== undefined) closers.push(async () => holdbackWatch.stop());
    healthRoutes(app, {
      readersHeldBack: () => {
        const latest = holdbackWatch?.latest();
        if (latest?.holder === undefined || latest.oldestOpenTransactionAgeMs < 1_000) return undefined;
        return { forMs: latest.oldestOpenTransactionAgeMs, ...latest.holder };
      },
      readinessCheck: async () => {
        for (const client of distinctClients) await client.query('select 1');
        await keyValue?.client.ping();
        const problem = threaded?.problem();
        if (problem !== undefined) throw new Error(problem);
      },
    });
    projectionRoutes(app, { eventStore: readEventStore, projectionStore: checkpoints, daemon: daemon ?? noDaemon, lagThresholdsMs, partitions: () => partitions.read() });
    liveMetricsRoutes(app, { eventStore: readEventStore, projectionStore: checkpoints, daemon: daemon ?? noDaemon, lagThresholdsMs, ...(commands === undefined ? {} : { commands }) });
    // every projection can be paused, rebuilt and have its dead letters handled, wherever it lives
    const redisNames = new Set(keyValue === undefined ? [] : [redisOrderSummaries.name]);
    projectionAdminRoutes(app, {
      administration: administrationByName([
        { names: new Set(sqlProjections.map((p) => p.name)), administration: projectionStore },
        ...(keyValue === undefined ? [] : [{ names: redisNames, administration: keyValue.store }]),
      ]),
      versions: Object.fromEntries([...sqlProjections, ...(keyValue === undefined ? [] : [redisOrderSummaries])].map((p) => [p.name, p.version])),
    });
    if (commands !== undefined) commandRoutes(app, commands);
    if (roles.has('query')) {
      let orderSummaries: Parameters<typeof queryRoutes>[2] = {};
      if (keyValue !== undefined) {
        const keyValueGate = createConsistencyGate({ eventStore, projectionStore: checkpointFeed(keyValue.store, daemon, new Set([redisOrderSummaries.name])) });
        gates.push(keyValueGate);
        const reader = keyValue.store.reader(redisOrderSummaries.name);
        orderSummaries = { orderSummaries: { read: (orderId: string) => getRedisOrderSummary(reader, orderId), consistencyGate: keyValueGate } };
      }
      queryRoutes(app, readsModels, { ...orderSummaries, history: readEventStore });
      streamRoutes(app, { eventStore: readEventStore });
    }
    if (options.dashboardDir !== undefined) staticSiteRoutes(app, { root: options.dashboardDir, notBuiltHint: 'The dashboard is not built: run `npm run build` in the repository.' });
    // the relay: publishes the log to JetStream while it holds the lease `relay:<stream>` in the read store's
    // database (one active relay per deployment; the others stand by)
    if (roles.has('relay')) {
      relay = createJetStreamRelay({
        servers: bus!,
        eventStore: readEventStore,
        tryAcquireLease: (name) => projectionStore.tryAcquireLease(name),
        ...(options.relay?.replicas === undefined ? {} : { replicas: options.relay.replicas }),
        ...(options.relay?.partitions === undefined ? {} : { partitions: options.relay.partitions }),
        ...(coreLogger === undefined ? {} : { logger: coreLogger }),
      });
    }
    await app.listen({ port, host });
    daemon?.start();
    relay?.start();
    partitionedProjector?.start();
    if (options.seed !== undefined && options.seed !== false && commands !== undefined) {
      seeding = seedWhenEmpty(commands, eventStore, options.seed === true ? {} : options.seed, coreLogger);
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
      readClient: readsModels,
      daemon,
      commands,
      relay,
      partitionedProjector,
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
