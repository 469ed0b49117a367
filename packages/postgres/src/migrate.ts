// Brings the schema up to date: pending migrations in order, in one transaction, under an advisory lock.
import { migrations as allMigrations, type Migration } from './migrations/index.js';
import type { SqlClient } from './sql-client.js';
import { createMigrationsTable } from './statements/create-migrations-table.js';
import { lockMigrations } from './statements/lock-migrations.js';
import { readAppliedMigrations } from './statements/read-applied-migrations.js';
import { recordMigration } from './statements/record-migration.js';

export interface MigrationReport {
  /** Versions applied by this call, in order; empty when the schema was already current. */
  readonly applied: readonly number[];
  /** The schema version after the call. */
  readonly version: number;
}

/**
 * Idempotent and safe to run from several processes at once: the transaction-level advisory lock
 * makes later callers wait, and they then find the migrations recorded and apply nothing.
 * DDL is transactional in PostgreSQL, so a failed migration leaves the schema as it was.
 */
export async function migrate(client: SqlClient, migrations: readonly Migration[] = allMigrations): Promise<MigrationReport> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  return client.transaction(async (session) => {
    await session.query(lockMigrations.text);
    await session.query(createMigrationsTable.text);
    const done = new Set((await session.query<{ version: number }>(readAppliedMigrations.text)).rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of ordered) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await session.query(statement);
      await session.query(recordMigration.text, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return { applied, version: Math.max(0, ...done, ...applied) };
  });
}
