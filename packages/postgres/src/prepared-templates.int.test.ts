// Read models' statements prepared by their text: the same answers as unprepared, prepared once per connection, and
// resolved against the search path each generation sets (a rebuild's tables are another schema's, same names).
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { preparingTemplates } from './prepared-templates.js';

describe('preparingTemplates on PostgreSQL', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient({ connectionString: database.url, max: 1 });
    for (const schema of ['gen_a', 'gen_b']) {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE ${schema}.counts (k text PRIMARY KEY, n bigint NOT NULL)`);
      await client.query(`INSERT INTO ${schema}.counts VALUES ('x', $1)`, [schema === 'gen_a' ? 1 : 2]);
    }
  });
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  it('prepares a statement with parameters once, and reads the tables of the search path set when it runs', async () => {
    const read = 'SELECT n FROM counts WHERE k = $1';
    const seen: number[] = [];
    const prepared: string[][] = [];
    for (const schema of ['gen_a', 'gen_b', 'gen_a']) {
      await client.transaction(async (session) => {
        await session.query(`SET LOCAL search_path TO ${schema}, public`);
        const templated = preparingTemplates(session);
        seen.push(Number((await templated.query<{ n: string }>(read, ['x'])).rows[0]!.n));
        await templated.query('UPDATE counts SET n = n + 10 WHERE k = $1', ['x']);
        await templated.query('UPDATE counts SET n = n - 10 WHERE k = $1', ['x']);
        prepared.push((await session.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'twofold_t_%' ORDER BY name`)).rows.map((row) => row.name));
      });
    }
    expect(seen).toEqual([1, 2, 1]);
    // one connection: three texts, prepared by the first transaction, reused by the others
    expect(prepared.map((names) => names.length)).toEqual([3, 3, 3]);
    expect(new Set(prepared.flat()).size).toBe(3);
    // without parameters a statement runs as it is (DDL and SET cannot be prepared with parameters)
    await client.transaction(async (session) => {
      await preparingTemplates(session).query('SET LOCAL search_path TO gen_b, public');
      expect((await session.query<{ n: string }>('SELECT n FROM counts')).rows[0]!.n).toBe('2');
    });
  });
});
