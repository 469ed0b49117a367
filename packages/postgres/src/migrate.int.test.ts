// Migrations: idempotent, safe when several processes start at once, all or nothing.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';

const latest = Math.max(...migrations.map((m) => m.version));

describe('migrate on PostgreSQL', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  const open = (): PostgresClient => {
    const client = createPgClient(database.url);
    clients.push(client);
    return client;
  };
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await database.drop();
  });

  it('applies every migration once when several processes start at the same time', async () => {
    const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(open())));
    expect(reports.filter((r) => r.applied.length > 0)).toEqual([{ applied: migrations.map((m) => m.version), version: latest }]);
    expect(reports.filter((r) => r.applied.length === 0)).toHaveLength(3);
    const { rows } = await open().query<{ version: number }>('SELECT version FROM twofold_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
    expect(await migrate(open())).toEqual({ applied: [], version: latest });
  });

  it('leaves the schema unchanged when a migration fails', async () => {
    const client = open();
    await migrate(client);
    const broken = { version: latest + 1, name: 'broken', statements: ['CREATE TABLE half_done (id int)', 'SELECT * FROM no_such_table'] };
    await expect(migrate(client, [...migrations, broken])).rejects.toThrow(/no_such_table/);
    const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('half_done') IS NOT NULL AS exists`);
    expect(rows[0]!.exists).toBe(false);
    expect((await migrate(client)).version).toBe(latest);
  });
});

describe('migrate on PGlite', () => {
  it('applies the same migrations, idempotently', async () => {
    const client = await createPgliteClient();
    try {
      expect(await migrate(client)).toEqual({ applied: migrations.map((m) => m.version), version: latest });
      expect(await migrate(client)).toEqual({ applied: [], version: latest });
    } finally {
      await client.close();
    }
  });
});
