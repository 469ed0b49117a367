import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './test-database.js';

async function query<Row extends pg.QueryResultRow>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text)).rows;
  } finally {
    await client.end();
  }
}

const exists = async (name: string): Promise<boolean> =>
  (await query<{ n: number }>(
    process.env['TWOFOLD_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`,
  ))[0]!.n === 1;

describe('createTestDatabase', () => {
  it('creates a database named after its label, copies a template, and drops it (twice is harmless)', async () => {
    const template = await createTestDatabase(undefined, { label: 'Tmpl-Source' });
    expect(template.name).toMatch(/^twofold_tmpl_source_[0-9a-f]{12}$/);
    await query(template.url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');
    const copy = await createTestDatabase(undefined, { label: 'copy', template: template.name });
    try {
      expect(await query<{ id: number }>(copy.url, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    } finally {
      await copy.drop();
      await copy.drop();
      await template.drop();
    }
    expect(await exists(copy.name)).toBe(false);
    expect(await exists(template.name)).toBe(false);
  });

  it('refuses a template name that is not a plain identifier', async () => {
    await expect(createTestDatabase(undefined, { template: 'x; DROP DATABASE test' })).rejects.toThrow(RangeError);
  });

  it('names the variable to set when the server cannot be reached', async () => {
    await expect(createTestDatabase('postgres://postgres@127.0.0.1:1/none', { serverVariable: 'TWOFOLD_BENCH_DATABASE_URL' })).rejects.toThrow(
      /127\.0\.0\.1:1.*unreachable \(set TWOFOLD_BENCH_DATABASE_URL\)/,
    );
  });
});
