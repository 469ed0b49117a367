// The projection store and administration contracts on PGlite (in memory) and on a fresh PostgreSQL database.
import { createTestDatabase, projectionAdministrationContract, projectionStoreContract, sqlKeyValueReadModel } from '@twofold/testing';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

const pgliteFixture = async () => {
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
};

const postgresFixture = async () => {
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
};

projectionStoreContract<SqlSession>('PGlite', pgliteFixture);
projectionStoreContract<SqlSession>('PostgreSQL', postgresFixture);
projectionAdministrationContract<SqlSession>('PGlite', pgliteFixture);
projectionAdministrationContract<SqlSession>('PostgreSQL', postgresFixture);
