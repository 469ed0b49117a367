// Records a migration as applied, in the transaction that applied it.
import type { NamedStatement } from '../postgres-client.js';

export const recordMigration: NamedStatement = {
  name: 'twofold_record_migration',
  text: `INSERT INTO twofold_migrations (version, name) VALUES ($1, $2)`,
};
