// Reads the versions of the migrations already applied.
import type { NamedStatement } from '../postgres-client.js';

export const readAppliedMigrations: NamedStatement = {
  name: 'twofold_read_applied_migrations',
  text: `SELECT version FROM twofold_migrations ORDER BY version`,
};
