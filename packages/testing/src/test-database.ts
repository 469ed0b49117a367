// A fresh, uniquely named database on a PostgreSQL server for one test run or one benchmark, dropped afterwards.
// No test framework here: the benchmarks import it too (`@twofold/testing/database`).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Part of the name, `twofold_<label>_<random>` (default `t`); anything but a-z, 0-9 and _ becomes _. */
  readonly label?: string;
  /** Create the database as a copy of this one, which nobody may be connected to. */
  readonly template?: string;
  /** The variable that names the server, for the message when it cannot be reached. */
  readonly serverVariable?: string;
}

export const defaultTestServerUrl = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Creates `twofold_<label>_<random>` on the server of `TWOFOLD_TEST_DATABASE_URL` (default: the local
 * test server). Rejects when the server cannot be reached: integration tests fail, never skip.
 */
export async function createTestDatabase(
  serverUrl = process.env['TWOFOLD_TEST_DATABASE_URL'] ?? defaultTestServerUrl,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const { label = 't', template, serverVariable = 'TWOFOLD_TEST_DATABASE_URL' } = options;
  if (template !== undefined && !/^[a-z0-9_]+$/.test(template)) throw new RangeError(`invalid template database name ${template}`);
  const name = `twofold_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${randomBytes(6).toString('hex')}`;
  // pg is an optional peer: loaded only by those who create databases, so the specs run without it
  const { default: postgres } = await import('pg');
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new postgres.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`the PostgreSQL server at ${redact(serverUrl)} is unreachable (set ${serverVariable})`, { cause: error });
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin((client) => client.query(`CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
