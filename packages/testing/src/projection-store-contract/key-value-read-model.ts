// The read model the projection contracts apply: a key-value map per projection, and its SQL form.
import type { LogCursor } from '@twofold/core';

/** A key-value read model per projection, written through the store's session: what the contract applies. */
export interface KeyValueReadModel<Session> {
  /** Creates the projection's read model; idempotent. */
  setup(session: Session, projection: string): Promise<void>;
  /** Writes `value`; `at` is the log cursor of the event it comes from (where the store keys writes by position). */
  put(session: Session, projection: string, key: string, value: string, at?: LogCursor): Promise<void>;
  /** Reads a committed value. */
  get(projection: string, key: string): Promise<string | undefined>;
  /** The tables the read model keeps, for stores that rebuild by table (SQL); none elsewhere. */
  tables?(projection: string): readonly string[];
}

/** The key-value read model for SQL stores: a table `<projection>_kv` (projection names are plain identifiers). */
export function sqlKeyValueReadModel<Session extends SqlQueryable>(client: SqlQueryable): KeyValueReadModel<Session> {
  const table = (projection: string): string => {
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(projection)) throw new Error(`not a plain identifier: ${projection}`);
    return `${projection}_kv`;
  };
  return {
    tables: (projection) => [table(projection)],
    async setup(session, projection) {
      await session.query(`CREATE TABLE IF NOT EXISTS ${table(projection)} (key text PRIMARY KEY, value text NOT NULL)`);
    },
    async put(session, projection, key, value) {
      await session.query(`INSERT INTO ${table(projection)} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
        key,
        value,
      ]);
    },
    async get(projection, key) {
      const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${table(projection)} WHERE key = $1`, [key]);
      return rows[0]?.value;
    },
  };
}

export interface SqlQueryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: Row[] }>;
}
