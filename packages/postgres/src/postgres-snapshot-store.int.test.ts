// The snapshot store contract on PGlite (in memory) and on a fresh PostgreSQL database.
import { createTestDatabase, snapshotStoreContract } from '@twofold/testing';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { postgresSnapshotStore } from './postgres-snapshot-store.js';

snapshotStoreContract('PGlite', async () => {
  const client = await createPgliteClient();
  await migrate(client);
  return { store: postgresSnapshotStore(client), close: () => client.close() };
});

snapshotStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const client = createPgClient(database.url);
  await migrate(client);
  return {
    store: postgresSnapshotStore(client),
    async close() {
      await client.close();
      await database.drop();
    },
  };
});
