// The shop as the CLI sees it: serve and migrate, with a pino logger.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TwofoldApplication } from '@twofold/cli';
import { createCommandProcessor } from '@twofold/core';
import { logRedactions, parseApiKeys } from '@twofold/http';
import { migrate, postgresEventStore, postgresSnapshotStore } from '@twofold/postgres';
import { pino } from 'pino';
import { shopClients } from './backends/shop-clients.js';
import { openShopVault } from './backends/personal-data-vault.js';
import { seedShop } from './demo/seed-shop.js';
import { shopEventStore } from './domain/event-schemas.js';
import { openShopProjections } from './projection-operations.js';
import {
  boundsFromEnv,
  commandSettingsFromEnv,
  daemonSettingsFromEnv,
  defined,
  httpSettingsFromEnv,
  poolSettingsFromEnv,
  paymentWindowFromEnv,
  projectorThreadFromEnv,
  answerCacheFromEnv,
  relaySettingsFromEnv,
} from './settings-from-env.js';
import { startShop } from './shop-server.js';

/** The dashboard's build, beside this app in the repository (from src/ and from dist/ alike). */
const dashboardDir = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

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
      ...paymentWindowFromEnv(process.env),
      ...answerCacheFromEnv(process.env),
      ...defined({ projectorThread: projectorThreadFromEnv(process.env) }),
      dashboardDir,
      seed: options.seed ?? true,
    });
    return { url: shop.url, close: () => shop.close() };
  },
  async migrate({ store, readStore }) {
    const clients = shopClients();
    try {
      for (const url of new Set([store, ...(readStore === undefined ? [] : [readStore])])) await migrate(await clients.clientFor('reads', url));
    } finally {
      await clients.close();
    }
  },
  openProjections: openShopProjections,
  async seed({ store, orders, seedValue, onProgress }) {
    // the write side only: the read models catch up when a projector runs (twofold serve)
    const clients = shopClients();
    const client = await clients.clientFor('commands', store);
    // the demo's customers are sealed as the server seals them
    const vault = await migrate(client)
      .then(() => openShopVault(store, client))
      .catch(async (error: unknown) => {
        await clients.close();
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
      const result = await seedShop(commands, { orders, seedValue, onProgress, stopped: () => interrupted });
      if (interrupted) throw new Error('interrupted: run the same command again to finish (nothing is added twice)');
      return result;
    } finally {
      process.off('SIGINT', interrupt);
      await commands.close();
      await eventStore.close();
      await clients.close();
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
