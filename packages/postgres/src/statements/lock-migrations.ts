// Takes the migration lock for the rest of the transaction: concurrent starts migrate one at a time.
import type { NamedStatement } from '../postgres-client.js';

export const lockMigrations: NamedStatement = {
  name: 'twofold_lock_migrations',
  text: `SELECT pg_advisory_xact_lock(hashtextextended('twofold:migrations', 0))`,
};
