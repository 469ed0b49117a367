// The shop as the CLI sees it: serve and migrate, with a pino logger.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectionOperations, StoreOptions, TwofoldApplication } from '@twofold/cli';
import { createCommandProcessor, logStart, NotFound } from '@twofold/core';
import { logRedactions, parseApiKeys, parseRateLimit, projectionOverview } from '@twofold/http';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, postgresSnapshotStore, storedSchemaVersions, type PostgresClient } from '@twofold/postgres';
import { pino } from 'pino';
import { administrationByName } from './administration-by-name.js';
import { openShopVault } from './personal-data-vault.js';
import { seedShop } from './demo/seed-shop.js';
import { shopEventSchemas, shopEventStore } from './domain/event-schemas.js';
import { redisOrderSummaries } from './projections/index.js';
import { keyValueNamespace, openKeyValueStore } from './shop-projector.js';
import { shopProjections, startShop, type ShopOptions } from './shop-server.js';

/** The dashboard's build, beside this app in the repository (from src/ and from dist/ alike). */
export const dashboardDir = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

/** A whole number from the environment, at least `least`, or undefined when unset. */
function integerFromEnv(env: NodeJS.ProcessEnv, name: string, least = 1): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`${name} must be ${least === 0 ? 'a non-negative' : 'a positive'} integer, not "${value}"`);
  return Number(value);
}

const defined = <T extends object>(settings: T): Partial<T> =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<T>;

/**
 * Tuning from the environment: TWOFOLD_PROJECTION_BATCH_SIZE, TWOFOLD_PROJECTION_POLL_MS, TWOFOLD_LEASE_RETRY_MS
 * (positive integers) and TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS (0 or more).
 */
export function daemonSettingsFromEnv(env: NodeJS.ProcessEnv): { batchSize?: number; pollIntervalMs?: number; leaseRetryMs?: number; minBatchIntervalMs?: number } {
  return defined({
    batchSize: integerFromEnv(env, 'TWOFOLD_PROJECTION_BATCH_SIZE'),
    pollIntervalMs: integerFromEnv(env, 'TWOFOLD_PROJECTION_POLL_MS'),
    leaseRetryMs: integerFromEnv(env, 'TWOFOLD_LEASE_RETRY_MS'),
    minBatchIntervalMs: integerFromEnv(env, 'TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS', 0),
  });
}

/**
 * The write side's tuning from the environment: TWOFOLD_STATE_CACHE_ENTRIES (streams kept, 0 for none),
 * TWOFOLD_STATE_CACHE_MB and TWOFOLD_COMMAND_BATCH_SIZE (most commands appended together).
 */
export function commandSettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['commands']> {
  const megabytes = integerFromEnv(env, 'TWOFOLD_STATE_CACHE_MB', 0);
  return defined({
    cacheEntries: integerFromEnv(env, 'TWOFOLD_STATE_CACHE_ENTRIES', 0),
    cacheBytes: megabytes === undefined ? undefined : megabytes * 2 ** 20,
    maxBatchSize: integerFromEnv(env, 'TWOFOLD_COMMAND_BATCH_SIZE'),
  });
}

/**
 * Connections per role on a PostgreSQL server: TWOFOLD_PG_POOL_COMMANDS, TWOFOLD_PG_POOL_PROJECTOR,
 * TWOFOLD_PG_POOL_READS (positive integers).
 */
export function poolSettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['pools']> {
  return defined({
    commands: integerFromEnv(env, 'TWOFOLD_PG_POOL_COMMANDS'),
    projector: integerFromEnv(env, 'TWOFOLD_PG_POOL_PROJECTOR'),
    reads: integerFromEnv(env, 'TWOFOLD_PG_POOL_READS'),
  });
}

/**
 * The HTTP limits from the environment: TWOFOLD_RATE_LIMIT (requests per second per key, `N` or `N:burst`; unset:
 * none), TWOFOLD_REQUEST_TIMEOUT_MS (to receive a request; 0: none; default 30,000), TWOFOLD_CONNECTION_TIMEOUT_MS
 * (idle connections; default 0: none), TWOFOLD_SHUTDOWN_DRAIN_MS (serving with readiness 503 before closing;
 * default 500) and TWOFOLD_SHUTDOWN_GRACE_MS (for requests in flight; default 5,000).
 */
export function httpSettingsFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'rateLimit' | 'requestTimeoutMs' | 'connectionTimeoutMs' | 'shutdownDrainMs' | 'shutdownGraceMs'> {
  return defined({
    rateLimit: parseRateLimit(env['TWOFOLD_RATE_LIMIT']),
    requestTimeoutMs: integerFromEnv(env, 'TWOFOLD_REQUEST_TIMEOUT_MS', 0),
    connectionTimeoutMs: integerFromEnv(env, 'TWOFOLD_CONNECTION_TIMEOUT_MS', 0),
    shutdownDrainMs: integerFromEnv(env, 'TWOFOLD_SHUTDOWN_DRAIN_MS', 0) ?? 500,
    shutdownGraceMs: integerFromEnv(env, 'TWOFOLD_SHUTDOWN_GRACE_MS', 0),
  });
}

/**
 * Bounds against stalled processes: TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS and TWOFOLD_PG_STATEMENT_TIMEOUT_MS
 * (the command and projector sessions; 0 turns one off), TWOFOLD_PG_CONNECT_TIMEOUT_MS (the wait for a connection)
 * and TWOFOLD_LEASE_TTL_MS (projection leases).
 */
export function boundsFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'timeouts' | 'leaseTtlMs'> {
  const timeouts = defined({
    idleInTransactionMs: integerFromEnv(env, 'TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS', 0),
    statementMs: integerFromEnv(env, 'TWOFOLD_PG_STATEMENT_TIMEOUT_MS', 0),
    connectMs: integerFromEnv(env, 'TWOFOLD_PG_CONNECT_TIMEOUT_MS', 0),
  });
  return defined({ timeouts: Object.keys(timeouts).length === 0 ? undefined : timeouts, leaseTtlMs: integerFromEnv(env, 'TWOFOLD_LEASE_TTL_MS', 30) });
}

/** TWOFOLD_PROJECTOR_THREAD: `1` runs the projector in a worker thread, `0` on the main thread; unset, the shop decides. */
export function projectorThreadFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = env['TWOFOLD_PROJECTOR_THREAD'];
  if (value === undefined || value === '') return undefined;
  if (value !== '0' && value !== '1') throw new Error(`TWOFOLD_PROJECTOR_THREAD must be 0 or 1, not "${value}"`);
  return value === '1';
}

/** The relay's JetStream stream from the environment: TWOFOLD_BUS_REPLICAS (1 to 5) and TWOFOLD_BUS_PARTITIONS (fixed once the stream exists). */
export function relaySettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['relay']> {
  const replicas = integerFromEnv(env, 'TWOFOLD_BUS_REPLICAS');
  if (replicas !== undefined && replicas > 5) throw new Error(`TWOFOLD_BUS_REPLICAS must be from 1 to 5, not "${replicas}"`);
  return defined({ replicas, partitions: integerFromEnv(env, 'TWOFOLD_BUS_PARTITIONS') });
}

export const shopApplication: TwofoldApplication = {
  name: 'Twofold shop',
  async serve(options) {
    // a bad key list stops the start, naming the entry
    const apiKeys = parseApiKeys(options.apiKeys);
    const http = httpSettingsFromEnv(process.env);
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', redact: [...logRedactions] });
    const shop = await startShop({
      apiKeys,
      ...http,
      store: options.store,
      readStore: options.readStore,
      kv: options.kv,
      kvKeyPrefix: options.kvPrefix,
      bus: options.bus,
      relay: relaySettingsFromEnv(process.env),
      roles: options.roles,
      port: options.port,
      host: options.host,
      logger,
      daemon: daemonSettingsFromEnv(process.env),
      commands: commandSettingsFromEnv(process.env),
      pools: poolSettingsFromEnv(process.env),
      ...boundsFromEnv(process.env),
      ...defined({ projectorThread: projectorThreadFromEnv(process.env) }),
      dashboardDir,
      seed: options.seed ?? true,
    });
    return { url: shop.url, close: () => shop.close() };
  },
  async migrate({ store, readStore }) {
    for (const url of new Set([store, ...(readStore === undefined ? [] : [readStore])])) {
      const client = await openSqlClient(url === 'memory' ? 'pglite:memory' : url);
      try {
        await migrate(client);
      } finally {
        await client.close();
      }
    }
  },
  openProjections: openShopProjections,
  async seed({ store, orders, seedValue, onProgress }) {
    // the write side only: the read models catch up when a projector runs (twofold serve)
    const client = await openSqlClient(store === 'memory' ? 'pglite:memory' : store);
    // the demo's customers are sealed as the server seals them
    const vault = await migrate(client)
      .then(() => openShopVault(store, client))
      .catch(async (error: unknown) => {
        await client.close();
        throw error;
      });
    const eventStore = shopEventStore(postgresEventStore(client), vault.vault);
    const commands = createCommandProcessor({ eventStore, snapshotStore: postgresSnapshotStore(client) });
    let interrupted = false;
    const interrupt = (): void => {
      interrupted = true;
    };
    process.once('SIGINT', interrupt);
    try {
      await migrate(client);
      const result = await seedShop(commands, { orders, seedValue, onProgress, stopped: () => interrupted });
      if (interrupted) throw new Error('interrupted: run the same command again to finish (nothing is added twice)');
      return result;
    } finally {
      process.off('SIGINT', interrupt);
      await commands.close();
      await eventStore.close();
      await client.close();
    }
  },
  bench(args) {
    // the bench workspace depends on the shop, so it is found at run time, never imported
    let runner: string;
    try {
      runner = join(dirname(fileURLToPath(import.meta.resolve('@twofold/bench'))), 'run.js');
    } catch {
      return Promise.reject(new Error('the benchmark suite (@twofold/bench) is not installed here: run it from a clone with npm run bench'));
    }
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [runner, ...args], { stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? 1));
    });
  },
};

const versions = new Map(shopProjections.map((p) => [p.name, p.version]));
const thresholds = Object.fromEntries(shopProjections.flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs]])));

async function openShopProjections(options: StoreOptions): Promise<ProjectionOperations> {
  const { store, readStore, kv, kvPrefix } = options;
  const clients: PostgresClient[] = [];
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
    for (const client of clients) await client.close();
  };
  const open = async (url: string) => {
    const client = await openSqlClient(url === 'memory' ? 'pglite:memory' : url);
    clients.push(client);
    await migrate(client);
    return client;
  };
  try {
    const writeClient = await open(store);
    const readClient = readStore === undefined || readStore === store ? writeClient : await open(readStore);
    // a store holding an event version this code cannot read is refused here, before anything reads it
    shopEventSchemas.verify(await storedSchemaVersions(writeClient));
    const eventStore = shopEventStore(postgresEventStore(writeClient));
    const projectionStore = postgresProjectionStore(readClient);
    closers.push(() => eventStore.close(), () => projectionStore.close());
    // with --kv, order summaries live in Redis, in the deployment's namespace: the operations on them go there
    const keyValue = kv === undefined ? undefined : await openKeyValueStore(kv, await keyValueNamespace(writeClient, eventStore, kvPrefix));
    if (keyValue !== undefined) closers.push(() => keyValue.close());
    const sqlNames = new Set(shopProjections.map((p) => p.name).filter((name) => keyValue === undefined || name !== redisOrderSummaries.name));
    const administration = administrationByName([
      { names: sqlNames, administration: projectionStore },
      ...(keyValue === undefined ? [] : [{ names: new Set([redisOrderSummaries.name]), administration: keyValue.store }]),
    ]);
    const known = (name: string): number => {
      const version = name === redisOrderSummaries.name && keyValue !== undefined ? redisOrderSummaries.version : versions.get(name);
      if (version === undefined) throw new NotFound('projection', name);
      return version;
    };
    return {
      async list() {
        const [sqlCheckpoints, keyValueCheckpoints, head] = await Promise.all([projectionStore.readCheckpoints(), keyValue?.store.readCheckpoints() ?? [], eventStore.head()]);
        const checkpoints = [...sqlCheckpoints.filter((c) => sqlNames.has(c.name)), ...keyValueCheckpoints];
        const first = head === undefined ? undefined : (await eventStore.readAll({ after: logStart, limit: 1 }))[0];
        return {
          headPosition: head?.cursor.position ?? 0,
          projections: projectionOverview({ checkpoints, head, runners: [], firstEventAt: first?.recordedAt, lagThresholdsMs: thresholds }),
        };
      },
      pause: async (name) => (known(name), administration.setPaused(name, true)),
      resume: async (name) => (known(name), administration.setPaused(name, false)),
      rebuild: async (name) => void (await administration.requestRebuild(name, known(name))),
      deadLetters: async (name) => (known(name), administration.readDeadLetters(name)),
      retryDeadLetters: async (name) => (known(name), administration.requestDeadLetterRetry(name)),
      dropDeadLetters: async (name) => (known(name), administration.dropDeadLetters(name)),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
