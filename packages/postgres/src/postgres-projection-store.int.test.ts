// The projection store contract on PGlite (in memory) and on a fresh PostgreSQL database.
import { createTestDatabase, projectionStoreContract, sqlKeyValueReadModel } from '@twofold/testing';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

projectionStoreContract<SqlSession>('PGlite', async () => {
  const client = await createPgliteClient();
  await migrate(client);
  const store = postgresProjectionStore(client);
  return {
    store,
    readModel: sqlKeyValueReadModel(client),
    async close() {
      await store.close();
      await client.close();
    },
  };
});

projectionStoreContract<SqlSession>('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const client = createPgClient(database.url);
  await migrate(client);
  const store = postgresProjectionStore(client);
  return {
    store,
    readModel: sqlKeyValueReadModel(client),
    async close() {
      await store.close();
      await client.close();
      await database.drop();
    },
  };
});
