// The stores a deployment names, opened in one place: which read-model variants they get is decided by what the
// databases can do (in this process or not, one database or two), never by how their URLs are spelled.
import { migrate } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopProjections, shopProjectionsInEventStoreDatabase } from '../projections/index.js';
import { shopClients } from './shop-clients.js';
import { openShopStores } from './shop-stores.js';

describe('openShopStores', () => {
  let events: TestDatabase;
  let models: TestDatabase;
  beforeAll(async () => {
    [events, models] = await Promise.all([createTestDatabase(undefined, { label: 'stores' }), createTestDatabase(undefined, { label: 'stores_models' })]);
  });
  afterAll(async () => {
    await Promise.all([events?.drop(), models?.drop()]);
  });

  const opened = async (storage: { store: string; readStore?: string }) => {
    const clients = shopClients();
    const stores = await openShopStores(storage, { clientFor: (url) => clients.clientFor('reads', url) });
    return { stores, close: async () => (await stores.close(), await clients.close()) };
  };

  it('`memory` is an in-process PGlite: migrated, one client for events and read models, the read models fed the events', async () => {
    const { stores, close } = await opened({ store: 'memory' });
    try {
      expect(stores.eventsClient.capabilities.inProcess).toBe(true);
      expect(stores.modelsClient).toBe(stores.eventsClient);
      expect(stores.sqlProjections).toBe(shopProjections);
      expect(await stores.eventStore.head()).toBeUndefined();
    } finally {
      await close();
    }
  });

  it('one PostgreSQL database for both: the read models read their events from the log in its database', async () => {
    const { stores, close } = await opened({ store: events.url });
    try {
      expect(stores.eventsClient.capabilities.inProcess).toBe(false);
      expect(stores.sqlProjections).toBe(shopProjectionsInEventStoreDatabase);
    } finally {
      await close();
    }
  });

  it('a read store of its own: both migrated, the read models fed the events', async () => {
    const { stores, close } = await opened({ store: events.url, readStore: models.url });
    try {
      expect(stores.modelsClient).not.toBe(stores.eventsClient);
      expect(stores.sqlProjections).toBe(shopProjections);
      expect((await migrate(stores.modelsClient)).applied).toEqual([]);
    } finally {
      await close();
    }
  });
});
