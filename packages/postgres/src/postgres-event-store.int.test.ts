// The event store contract on PGlite (in memory) and on a fresh PostgreSQL database.
import { createTestDatabase, eventStoreContract } from '@twofold/testing';
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
  };
});

eventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const client = createPgClient(database.url);
  await migrate(client);
  const store = postgresEventStore(client);
  return {
    store,
    async close() {
      await store.close();
      await client.close();
      await database.drop();
    },
  };
});
