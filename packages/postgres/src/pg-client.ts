// A PostgresClient over a `pg` Pool: pooled queries and transactions, a reconnecting LISTEN connection, dedicated connections.
import { StoreUnavailable, silentLogger, type Logger } from '@twofold/core';
import pg from 'pg';
import type { ClientConfig, PoolClient, PoolConfig } from 'pg';
import { isConnectionError, notApplied, translateConnectionError } from './connection-errors.js';
import { createNotificationHub } from './notification-hub.js';
import { createPgListenConnection } from './pg-listen-connection.js';
import { createNotifyCoalescer } from './pg-notify-coalescer.js';
import { checkChannel, type DedicatedConnection, type NamedStatement, type PostgresClient, type PreparingSqlSession } from './postgres-client.js';
import type { QueryResult } from './sql-client.js';

export interface PgClientOptions {
  readonly logger?: Logger;
  /**
   * Least time between two NOTIFYs on a channel from this client. Bounds their cost under load
   * (each is a round trip and a commit); other processes learn of a change at most this much later.
   * Listeners in this process are woken at once regardless.
   */
  readonly notifyIntervalMs?: number;
  /** First pause before the LISTEN connection reconnects; doubles up to `maxReconnectDelayMs`. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The server process serving a connection (pg learns it when connecting): how the lost session is named. */
function backendOf(connection: unknown): { lostSession?: string } {
  const pid = (connection as { processID?: unknown } | undefined)?.processID;
  return typeof pid === 'number' ? { lostSession: String(pid) } : {};
}

function sessionOver(target: Queryable, what: string, connection?: unknown): PreparingSqlSession {
  const run = async <Row>(config: { text: string; values: unknown[]; name?: string }): Promise<QueryResult<Row>> => {
    try {
      const result = await target.query(config);
      return { rows: result.rows as Row[], rowCount: result.rowCount };
    } catch (error) {
      // a failure to connect never reaches run (see pooledQueries): anything here came after the statement was written
      throw translateConnectionError(error, what, { statementSent: true, ...backendOf(connection) });
    }
  };
  return {
    query: <Row>(text: string, params: readonly unknown[] = []) => run<Row>({ text, values: [...params] }),
    queryPrepared: <Row>(statement: NamedStatement, params: readonly unknown[]) =>
      run<Row>({ name: statement.name, text: statement.text, values: [...params] }),
  };
}

/**
 * Checks a pooled connection out, telling a failure to connect (nothing was sent) apart. A checked-out connection
 * that dies between queries emits 'error' (ignored here; the next query reports it); `release` hands it back, or
 * discards it when given the error that broke it.
 */
async function checkOut(pool: pg.Pool, what: string): Promise<{ connection: PoolClient; release: (broken: Error | undefined) => void }> {
  let connection: PoolClient;
  try {
    connection = await pool.connect();
  } catch (error) {
    throw translateConnectionError(error, what);
  }
  const ignore = (): void => undefined;
  connection.on('error', ignore);
  return {
    connection,
    release(broken) {
      connection.removeListener('error', ignore);
      connection.release(broken);
    },
  };
}

/** A statement the server chose as a deadlock's victim (40P01): it was rolled back, so it changed nothing. */
const isDeadlockVictim = (error: unknown): boolean => (error as { code?: unknown } | undefined)?.code === '40P01';

/** Times a pooled statement chosen as a deadlock's victim is sent again before its error is passed on. */
const deadlockRetries = 2;

/**
 * Queries on pooled connections, each checked out for one statement. Unlike `pool.query`, a failure to check a
 * connection out (nothing was sent) is told apart from a failure after the statement was written (it may have run).
 * A statement the server chose as a deadlock's victim is sent again: alone in its transaction, it was rolled back
 * whole (a read waiting on one table of a view while a projector's setup recreates the views it reads, for one).
 */
function pooledQueries(pool: pg.Pool, what: string): Queryable {
  return {
    async query(config) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await pooledQuery(pool, what, config);
        } catch (error) {
          if (!isDeadlockVictim(error) || attempt >= deadlockRetries) throw error;
        }
      }
    },
  };
}

/** One statement on a connection checked out for it. */
async function pooledQuery(pool: pg.Pool, what: string, config: Parameters<Queryable['query']>[0]): ReturnType<Queryable['query']> {
  const { connection, release } = await checkOut(pool, what);
  let broken: Error | undefined;
  try {
    return await connection.query(config);
  } catch (error) {
    // a statement error leaves the connection usable; a lost one is discarded
    if (!isConnectionError(error)) throw error;
    broken = error as Error;
    throw translateConnectionError(error, what, { statementSent: true, ...backendOf(connection) });
  } finally {
    release(broken);
  }
}

/** Runs `fn` in a transaction on one pooled connection. */
async function pooledTransaction<T>(pool: pg.Pool, what: string, fn: (session: PreparingSqlSession) => Promise<T>): Promise<T> {
  const { connection, release } = await checkOut(pool, what);
  let broken: Error | undefined;
  const session = sessionOver(connection as unknown as Queryable, what);
  let committing = false;
  try {
    await session.query('BEGIN');
    const result = await fn(session);
    committing = true;
    await session.query('COMMIT');
    return result;
  } catch (error) {
    // a lost connection is discarded (the server rolls back on its own): a ROLLBACK on a silent link would hang
    if (isConnectionError(error)) broken = error as Error;
    else {
      await connection.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
    }
    // only a COMMIT that was sent can have applied the transaction; before it, a lost connection rolls it back
    throw committing ? translateConnectionError(error, what) : notApplied(translateConnectionError(error, what));
  } finally {
    release(broken);
  }
}

/** Opens a connection of its own (not pooled), kept in `dedicated` until it is lost or closed. */
async function openDedicatedConnection(clientConfig: ClientConfig, what: string, dedicated: Set<pg.Client>): Promise<DedicatedConnection> {
  const connection = new pg.Client(clientConfig);
  let lost = false;
  const markLost = (): void => {
    lost = true;
    dedicated.delete(connection);
  };
  connection.on('error', markLost);
  connection.on('end', markLost);
  try {
    await connection.connect();
  } catch (error) {
    markLost();
    throw translateConnectionError(error, what);
  }
  dedicated.add(connection);
  const session = sessionOver(connection as unknown as Queryable, what);
  return {
    get lost() {
      return lost;
    },
    query: session.query,
    async close() {
      markLost();
      await connection.end().catch(() => undefined);
    },
  };
}

/** Whether a backend process id is one of the pool's connections, kept as they open and close. */
function poolBackendPids(pool: pg.Pool): (pid: number) => boolean {
  const pids = new Set<number>();
  const pidOf = (client: PoolClient): number | null | undefined => (client as { processID?: number | null }).processID;
  pool.on('connect', (client) => {
    const pid = pidOf(client);
    if (typeof pid === 'number') pids.add(pid);
  });
  pool.on('remove', (client) => {
    const pid = pidOf(client);
    if (typeof pid === 'number') pids.delete(pid);
  });
  return (pid) => pids.has(pid);
}

export function createPgClient(config: string | PoolConfig, options: PgClientOptions = {}): PostgresClient {
  const { logger = silentLogger, notifyIntervalMs = 5, reconnectDelayMs = 100, maxReconnectDelayMs = 1_000 } = options;
  const poolConfig: PoolConfig = typeof config === 'string' ? { connectionString: config } : config;
  const clientConfig: ClientConfig = { ...poolConfig, keepAlive: poolConfig.keepAlive ?? true };
  const what = 'PostgreSQL';
  const pool = new pg.Pool({ ...clientConfig, ...poolConfig });
  // an idle pooled connection that dies is dropped by the pool; the next query opens a new one
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const pooled = sessionOver(pooledQueries(pool, what), what);
  const hub = createNotificationHub((error) => logger.error({ err: error }, 'notification listener threw'));
  const dedicated = new Set<pg.Client>();
  let closed = false;
  // every NOTIFY this client sends goes through its pool, after notify() or notifyThisProcess() woke this process
  const sentHere = poolBackendPids(pool);
  const listenConnection = createPgListenConnection({ clientConfig, hub, logger, reconnectDelayMs, maxReconnectDelayMs, sentHere });
  // in a transaction of its own, which writes nothing else: its commit waits for no WAL flush, so it holds PostgreSQL's
  // notification lock (which every notifying commit takes) only for a moment
  const notifier = createNotifyCoalescer((channel, payload) => pool.query('SELECT pg_notify($1, $2)', [channel, payload]), notifyIntervalMs, logger);

  return {
    capabilities: { multipleConnections: true, inProcess: false },
    query: pooled.query,
    queryPrepared: pooled.queryPrepared,
    transaction: (fn) => pooledTransaction(pool, what, fn),

    listen(channel, listener) {
      checkChannel(channel);
      const remove = hub.add(channel, listener);
      listenConnection.refresh();
      return () => {
        remove();
        listenConnection.refresh();
      };
    },

    notify(channel, payload) {
      checkChannel(channel);
      hub.dispatch(channel, payload);
      if (!closed) notifier.request(channel, payload);
    },

    notifyThisProcess(channel, payload) {
      hub.dispatch(checkChannel(channel), payload);
    },

    async connect(): Promise<DedicatedConnection> {
      if (closed) throw new StoreUnavailable('PostgreSQL is unavailable: the client is closed');
      return openDedicatedConnection(clientConfig, what, dedicated);
    },

    async close() {
      if (closed) return;
      closed = true;
      notifier.close();
      await Promise.all([listenConnection.close(), ...[...dedicated].map((c) => c.end().catch(() => undefined))]);
      await pool.end();
    },
  };
}
