// A PostgresClient over a `pg` Pool: pooled queries and transactions, a reconnecting LISTEN connection, dedicated connections.
import { StoreUnavailable, silentLogger, type Logger } from '@twofold/core';
import pg from 'pg';
import type { ClientConfig, PoolClient, PoolConfig } from 'pg';
import { isConnectionError, notApplied, translateConnectionError } from './connection-errors.js';
import { createNotificationHub } from './notification-hub.js';
import { createPgListenConnection } from './pg-listen-connection.js';
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
 * Queries on pooled connections, each checked out for one statement. Unlike `pool.query`, a failure to check a
 * connection out (nothing was sent) is told apart from a failure after the statement was written (it may have run).
 */
function pooledQueries(pool: pg.Pool, what: string): Queryable {
  return {
    async query(config) {
      let connection: PoolClient;
      try {
        connection = await pool.connect();
      } catch (error) {
        throw translateConnectionError(error, what);
      }
      const ignore = (): void => undefined;
      connection.on('error', ignore);
      let broken: Error | undefined;
      try {
        return await connection.query(config);
      } catch (error) {
        // a statement error leaves the connection usable; a lost one is discarded
        if (!isConnectionError(error)) throw error;
        broken = error as Error;
        throw translateConnectionError(error, what, { statementSent: true, ...backendOf(connection) });
      } finally {
        connection.removeListener('error', ignore);
        connection.release(broken);
      }
    },
  };
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

  const listenConnection = createPgListenConnection({ clientConfig, hub, logger, reconnectDelayMs, maxReconnectDelayMs });

  // NOTIFY, coalesced per channel: at most one in flight and one per notifyIntervalMs; a request
  // made while one is in flight or waiting is answered by a NOTIFY sent after it (never dropped).
  // Its payload is every payload asked for since the last one, a line each; empty (nothing said)
  // when a request had none, or when they would not fit PostgreSQL's 8,000 bytes.
  interface NotifyState {
    pending: boolean;
    inFlight: boolean;
    timer: NodeJS.Timeout | undefined;
    sentAt: number;
    lines: string[];
    bytes: number;
    unsaid: boolean;
  }
  const notifying = new Map<string, NotifyState>();
  const maxPayloadBytes = 7_900;
  function pumpNotify(channel: string): void {
    const state = notifying.get(channel);
    if (state === undefined || closed || !state.pending || state.inFlight || state.timer !== undefined) return;
    const waitMs = state.sentAt + notifyIntervalMs - Date.now();
    if (waitMs > 0) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        pumpNotify(channel);
      }, waitMs);
      state.timer.unref();
      return;
    }
    const payload = state.unsaid ? '' : state.lines.join('\n');
    state.pending = false;
    state.lines = [];
    state.bytes = 0;
    state.unsaid = false;
    state.inFlight = true;
    state.sentAt = Date.now();
    pool
      .query('SELECT pg_notify($1, $2)', [channel, payload])
      .catch((error: unknown) => logger.warn({ err: error, channel }, 'NOTIFY failed'))
      .finally(() => {
        state.inFlight = false;
        pumpNotify(channel);
      });
  }
  function sendNotify(channel: string, payload: string | undefined): void {
    const state = notifying.get(channel) ?? { pending: false, inFlight: false, timer: undefined, sentAt: 0, lines: [], bytes: 0, unsaid: false };
    notifying.set(channel, state);
    state.pending = true;
    if (payload === undefined || payload === '' || payload.includes('\n')) state.unsaid = true;
    else if (!state.unsaid) {
      state.bytes += Buffer.byteLength(payload) + 1;
      if (state.bytes > maxPayloadBytes) state.unsaid = true;
      else state.lines.push(payload);
    }
    if (state.unsaid) state.lines = [];
    pumpNotify(channel);
  }

  return {
    capabilities: { multipleConnections: true, inProcess: false },
    query: pooled.query,
    queryPrepared: pooled.queryPrepared,

    async transaction(fn) {
      let connection: PoolClient;
      try {
        connection = await pool.connect();
      } catch (error) {
        throw translateConnectionError(error, what);
      }
      // a checked-out connection that dies between queries emits 'error'; the next query reports it
      const ignore = (): void => undefined;
      connection.on('error', ignore);
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
        connection.removeListener('error', ignore);
        connection.release(broken);
      }
    },

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
      if (!closed) sendNotify(channel, payload);
    },

    async connect(): Promise<DedicatedConnection> {
      if (closed) throw new StoreUnavailable('PostgreSQL is unavailable: the client is closed');
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
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const state of notifying.values()) clearTimeout(state.timer);
      await Promise.all([listenConnection.close(), ...[...dedicated].map((c) => c.end().catch(() => undefined))]);
      await pool.end();
    },
  };
}
