// A fresh, uniquely named database on the test PostgreSQL server for one test run, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

export const defaultTestServerUrl = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Creates `twofold_t_<random>` on the server of `TWOFOLD_TEST_DATABASE_URL` (default: the local
 * test server). Rejects when the server cannot be reached: integration tests fail, never skip.
 */
export async function createTestDatabase(serverUrl = process.env['TWOFOLD_TEST_DATABASE_URL'] ?? defaultTestServerUrl): Promise<TestDatabase> {
  const name = `twofold_t_${randomBytes(6).toString('hex')}`;
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`the test PostgreSQL server at ${redact(serverUrl)} is unreachable (set TWOFOLD_TEST_DATABASE_URL)`, { cause: error });
    }
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
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
