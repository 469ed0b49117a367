// The SQL client port: the subset of `pg` and PGlite that Twofold calls, so SQL runs unchanged on both.

export interface QueryResult<Row> {
  readonly rows: Row[];
  readonly rowCount?: number | null;
}

/** A connection or a transaction: what projections and statements run SQL through. */
export interface SqlSession {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

export interface SqlClient extends SqlSession {
  /** Runs `fn` in one transaction on one connection: commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
