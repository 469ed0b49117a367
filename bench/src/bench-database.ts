// A fresh database per benchmark on the local PostgreSQL server, dropped when the benchmark ends.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const defaultServerUrl = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops it, ending every connection still open to it. */
  drop(): Promise<void>;
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`the PostgreSQL server at ${new URL(serverUrl).host} is unreachable (set TWOFOLD_BENCH_DATABASE_URL)`, { cause: error });
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates `twofold_bench_<label>_<random>` on the server of `serverUrl`, empty or as a copy of the
 * database `template` (which nobody may be connected to).
 */
export async function createBenchDatabase(serverUrl: string, label: string, template?: string): Promise<BenchDatabase> {
  const name = `twofold_bench_${label.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  if (template !== undefined && !/^[a-z0-9_]+$/.test(template)) throw new RangeError(`invalid template database name ${template}`);
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE ${name}${template === undefined ? '' : ` TEMPLATE ${template}`}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
