// The client the PostgreSQL adapters run on: the SqlClient port plus capabilities, prepared statements, notifications and dedicated connections.
import type { QueryResult, SqlClient, SqlSession } from './sql-client.js';

/** What a backend can do. Adapters branch on these flags, never on which backend it is. */
export interface SqlClientCapabilities {
  /**
   * Other connections, hence other processes, may use the database at the same time. When false this
   * client is the database's only user, so locks and notifications can stay in this process.
   */
  readonly multipleConnections: boolean;
  /**
   * The database runs inside this process, on this thread (PGlite): SQL work is this thread's work, and only this
   * thread can reach it. When false, moving work into SQL takes it off this process.
   */
  readonly inProcess: boolean;
}

/** A statement with a stable name, so a backend that can prepares it once per connection. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** A session that can run named prepared statements. */
export interface PreparingSqlSession extends SqlSession {
  queryPrepared<Row = Record<string, unknown>>(statement: NamedStatement, params: readonly unknown[]): Promise<QueryResult<Row>>;
}

/** A connection of its own, outside any pool: session state such as advisory locks lives exactly as long as it does. */
export interface DedicatedConnection extends SqlSession {
  /** True once the connection failed or ended; everything held by its session is gone. */
  readonly lost: boolean;
  close(): Promise<void>;
}

export interface PostgresClient extends SqlClient, PreparingSqlSession {
  readonly capabilities: SqlClientCapabilities;
  /**
   * Calls the listener after `notify(channel)` in any process sharing the database, and also
   * spuriously whenever a notification may have been missed (when listening starts, after a reconnect).
   * The listener gets the payload: in this process the one `notify` was given; from another process the
   * payloads of the calls a notification coalesced, one per line, or undefined when any had none (or they
   * did not fit one notification) and on a spurious call. Undefined means "something may have changed".
   */
  listen(channel: string, listener: (payload: string | undefined) => void): () => void;
  /**
   * Wakes the channel's listeners: in this process at once, in other processes through NOTIFY.
   * Call it after the change committed. Notifications are coalesced, never dropped: after the last
   * call, at least one notification is delivered. `payload` (one line, no newline) says what changed.
   */
  notify(channel: string, payload?: string): void;
  /**
   * Wakes the channel's listeners in this process only, at once: for a change whose own statement sent the
   * NOTIFY that tells other processes (delivered when it commits). `payload` as for notify.
   */
  notifyThisProcess(channel: string, payload?: string): void;
  /** Opens a dedicated connection. Only when `capabilities.multipleConnections`. */
  connect(): Promise<DedicatedConnection>;
}

/** Runs a named statement, prepared when the session can prepare, as plain text otherwise. */
export function runStatement<Row = Record<string, unknown>>(
  session: SqlSession,
  statement: NamedStatement,
  params: readonly unknown[] = [],
): Promise<QueryResult<Row>> {
  const preparing = session as Partial<PreparingSqlSession>;
  return typeof preparing.queryPrepared === 'function'
    ? preparing.queryPrepared.call(session, statement, params) as Promise<QueryResult<Row>>
    : session.query<Row>(statement.text, params);
}

/** Channel names are interpolated into LISTEN, so they are restricted to plain identifiers. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new RangeError(`invalid notification channel "${channel}"`);
  return channel;
}
