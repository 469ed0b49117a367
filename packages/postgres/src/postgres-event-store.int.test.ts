// The event store contract on PGlite (in memory) and on a fresh PostgreSQL database.
import { groupCommit, logStart, type EventStore } from '@twofold/core';
import { createTestDatabase, eventStoreContract } from '@twofold/testing';
import { expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { postgresEventStore } from './postgres-event-store.js';

eventStoreContract('PGlite', async () => {
  const client = await createPgliteClient();
  await migrate(client);
  const store = postgresEventStore(client);
  return {
    store,
    async close() {
      await store.close();
      await client.close();
    },
    // PGlite is one database in this process: a second store opens it through the same client
    async openSibling() {
      const sibling = postgresEventStore(client);
      return { store: sibling, close: () => sibling.close() };
    },
  };
}, { gapSafeReadAll: true, sharedStorage: true });

/** A fresh PostgreSQL database with the store on it, optionally wrapped (the contract holds either way). */
const onPostgres = (wrap: (store: EventStore) => EventStore) => async () => {
  const database = await createTestDatabase();
  const client = createPgClient(database.url);
  await migrate(client);
  const store = postgresEventStore(client);
  return {
    store: wrap(store),
    async close() {
      await store.close();
      await client.close();
      await database.drop();
    },
    // another process would open a client of its own on the same database
    async openSibling() {
      const siblingClient = createPgClient(database.url);
      const sibling = postgresEventStore(siblingClient);
      return {
        store: sibling,
        async close() {
          await sibling.close();
          await siblingClient.close();
        },
      };
    },
  };
};

const onPostgresCapabilities = { gapSafeReadAll: true, sharedStorage: true } as const;
eventStoreContract('PostgreSQL', onPostgres((store) => store), onPostgresCapabilities);
eventStoreContract('PostgreSQL, group commit', onPostgres(groupCommit), onPostgresCapabilities);

it('leaves out the data and metadata of the types a reader does not use, so it costs nothing to decode', async () => {
  const client = await createPgliteClient();
  try {
    await migrate(client);
    const store = postgresEventStore(client);
    await store.appendToStream('s', [{ type: 'Wanted', data: { n: 1 } }, { type: 'Other', data: { n: 2 }, metadata: { by: 'x' } }], { expectedVersion: 'no_stream' });
    const events = await store.readAll({ after: logStart, limit: 10, types: ['Wanted'] });
    expect(events.map((e) => [e.type, e.data, e.metadata])).toEqual([
      ['Wanted', { n: 1 }, {}],
      ['Other', {}, {}],
    ]);
  } finally {
    await client.close();
  }
});
