// The shop as the CLI sees it: serve and migrate, with a pino logger.
import type { TwofoldApplication } from '@twofold/cli';
import { migrate, openSqlClient } from '@twofold/postgres';
import { pino } from 'pino';
import { startShop } from './shop-server.js';

/** Tuning from the environment: TWOFOLD_PROJECTION_BATCH_SIZE, TWOFOLD_PROJECTION_POLL_MS, TWOFOLD_LEASE_RETRY_MS. */
export function daemonSettingsFromEnv(env: NodeJS.ProcessEnv): { batchSize?: number; pollIntervalMs?: number; leaseRetryMs?: number } {
  const read = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new Error(`${name} must be a positive integer, not "${value}"`);
    return Number(value);
  };
  const batchSize = read('TWOFOLD_PROJECTION_BATCH_SIZE');
  const pollIntervalMs = read('TWOFOLD_PROJECTION_POLL_MS');
  const leaseRetryMs = read('TWOFOLD_LEASE_RETRY_MS');
  return {
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    ...(leaseRetryMs === undefined ? {} : { leaseRetryMs }),
  };
}

export const shopApplication: TwofoldApplication = {
  name: 'Twofold shop',
  async serve(options) {
    if (options.bus !== undefined) throw new Error('--bus (NATS JetStream) is not available yet in this version of the shop');
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    const shop = await startShop({
      store: options.store,
      readStore: options.readStore,
      kv: options.kv,
      roles: options.roles,
      port: options.port,
      host: options.host,
      logger,
      daemon: daemonSettingsFromEnv(process.env),
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
};
