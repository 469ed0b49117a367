// The shop as the CLI sees it: serve and migrate, with a pino logger.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectionOperations, TwofoldApplication } from '@twofold/cli';
import { logStart, NotFound } from '@twofold/core';
import { projectionOverview } from '@twofold/http';
import { migrate, openSqlClient, postgresEventStore, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { pino } from 'pino';
import { shopProjections, startShop, type ShopOptions } from './shop-server.js';

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
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    const shop = await startShop({
      store: options.store,
      readStore: options.readStore,
      kv: options.kv,
      bus: options.bus,
      relay: relaySettingsFromEnv(process.env),
      roles: options.roles,
      port: options.port,
      host: options.host,
      logger,
      daemon: daemonSettingsFromEnv(process.env),
      commands: commandSettingsFromEnv(process.env),
      pools: poolSettingsFromEnv(process.env),
      ...defined({ projectorThread: projectorThreadFromEnv(process.env) }),
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

const versions = Object.fromEntries(shopProjections.map((p) => [p.name, p.version]));
const thresholds = Object.fromEntries(shopProjections.flatMap((p) => (p.lagThresholdMs === undefined ? [] : [[p.name, p.lagThresholdMs]])));

async function openShopProjections({ store, readStore }: { store: string; readStore: string | undefined }): Promise<ProjectionOperations> {
  const clients: PostgresClient[] = [];
  const open = async (url: string) => {
    const client = await openSqlClient(url === 'memory' ? 'pglite:memory' : url);
    clients.push(client);
    await migrate(client);
    return client;
  };
  const writeClient = await open(store);
  const readClient = readStore === undefined || readStore === store ? writeClient : await open(readStore);
  const eventStore = postgresEventStore(writeClient);
  const projectionStore = postgresProjectionStore(readClient);
  const known = (name: string): number => {
    const version = Object.hasOwn(versions, name) ? versions[name] : undefined;
    if (version === undefined) throw new NotFound('projection', name);
    return version;
  };
  return {
    async list() {
      const [checkpoints, head] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head()]);
      const first = head === undefined ? undefined : (await eventStore.readAll({ after: logStart, limit: 1 }))[0];
      return {
        headPosition: head?.cursor.position ?? 0,
        projections: projectionOverview({ checkpoints, head, runners: [], firstEventAt: first?.recordedAt, lagThresholdsMs: thresholds }),
      };
    },
    pause: async (name) => (known(name), projectionStore.setPaused(name, true)),
    resume: async (name) => (known(name), projectionStore.setPaused(name, false)),
    rebuild: async (name) => void (await projectionStore.requestRebuild(name, known(name))),
    deadLetters: async (name) => (known(name), projectionStore.readDeadLetters(name)),
    retryDeadLetters: async (name) => (known(name), projectionStore.requestDeadLetterRetry(name)),
    dropDeadLetters: async (name) => (known(name), projectionStore.dropDeadLetters(name)),
    async close() {
      await projectionStore.close();
      await eventStore.close();
      for (const client of clients) await client.close();
    },
  };
}
