// Creates the table that records applied migrations, if missing (run under the migration lock).
import type { NamedStatement } from '../postgres-client.js';

export const createMigrationsTable: NamedStatement = {
  name: 'twofold_create_migrations_table',
  text: `CREATE TABLE IF NOT EXISTS twofold_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
};
