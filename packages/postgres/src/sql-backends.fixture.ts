// The two SQL backends a test runs on: an in-memory PGlite, and a fresh database on the local PostgreSQL.
import { createTestDatabase } from '@twofold/testing';
import { openSqlClient } from './open-sql-client.js';
import type { PostgresClient } from './postgres-client.js';

export interface OpenedBackend {
  readonly client: PostgresClient;
  /** Drops what `open` made (the PostgreSQL database); close the client first. */
  readonly drop: () => Promise<void>;
}

export const sqlBackends: readonly { readonly name: string; readonly open: () => Promise<OpenedBackend> }[] = [
  { name: 'pglite', open: async () => ({ client: await openSqlClient('pglite:memory'), drop: async () => {} }) },
  {
    name: 'postgres',
    open: async () => {
      const database = await createTestDatabase();
      return { client: await openSqlClient(database.url), drop: () => database.drop() };
    },
  },
];
