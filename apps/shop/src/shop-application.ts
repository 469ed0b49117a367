// The shop as the CLI sees it: serve and migrate, with a pino logger.
import type { TwofoldApplication } from '@twofold/cli';
import { migrate, openSqlClient } from '@twofold/postgres';
import { pino } from 'pino';
import { startShop } from './shop-server.js';

export const shopApplication: TwofoldApplication = {
  name: 'Twofold shop',
  async serve(options) {
    if (options.kv !== undefined || options.bus !== undefined) {
      throw new Error('--kv and --bus are not available yet in this version of the shop');
    }
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
    const shop = await startShop({
      store: options.store,
      readStore: options.readStore,
      roles: options.roles,
      port: options.port,
      host: options.host,
      logger,
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
