// A PostgresClient over PGlite (PostgreSQL in WASM, in this process): one connection, so locks and notifications stay in-process.
import { mkdir } from 'node:fs/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { silentLogger, type Logger } from '@twofold/core';
import { translateConnectionError } from './connection-errors.js';
import { lockDataDirectory, type DirectoryLock } from './data-directory-lock.js';
import { createNotificationHub } from './notification-hub.js';
import { checkChannel, type PostgresClient, type PreparingSqlSession } from './postgres-client.js';
import type { QueryResult } from './sql-client.js';

export interface PgliteClientOptions {
  readonly logger?: Logger;
}

function sessionOver(target: Pick<PGlite | Transaction, 'query'>): PreparingSqlSession {
  const query = async <Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> => {
    try {
      const result = await target.query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? null };
    } catch (error) {
      throw translateConnectionError(error, 'PGlite');
    }
  };
  // PGlite parses every statement anyway: a named statement runs as plain text
  return { query, queryPrepared: (statement, params) => query(statement.text, params) };
}

/**
 * Opens PGlite on `dataDir` (created if missing), or in memory when it is undefined. PGlite has one
 * connection and runs one query or transaction at a time: inside `transaction(fn)`, `fn` must use
 * the session it is given, never the client (that would wait for the transaction to end).
 */
export async function createPgliteClient(dataDir?: string, options: PgliteClientOptions = {}): Promise<PostgresClient> {
  const { logger = silentLogger } = options;
  let lock: DirectoryLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    // PGlite takes the directory as its own: a second process would overwrite what the first acknowledged
    lock = await lockDataDirectory(dataDir);
  }
  // loaded on demand, so a process that only talks to a PostgreSQL server never loads the WASM build
  const { PGlite } = await import('@electric-sql/pglite');
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir);
  } catch (error) {
    await lock?.release();
    throw translateConnectionError(error, `PGlite at ${dataDir ?? 'memory'}`);
  }
  const session = sessionOver(db);
  const hub = createNotificationHub((error) => logger.error({ err: error }, 'notification listener threw'));

  return {
    capabilities: { multipleConnections: false, inProcess: true },
    query: session.query,
    queryPrepared: session.queryPrepared,
    async transaction(fn) {
      try {
        return await db.transaction((tx) => fn(sessionOver(tx)));
      } catch (error) {
        throw translateConnectionError(error, 'PGlite');
      }
    },
    listen(channel, listener) {
      checkChannel(channel);
      // no other process shares this database, so every notification comes through notify() below
      return hub.add(channel, listener);
    },
    notify(channel, payload) {
      hub.dispatch(checkChannel(channel), payload);
    },
    notifyThisProcess(channel, payload) {
      hub.dispatch(checkChannel(channel), payload);
    },
    connect() {
      return Promise.reject(new Error('PGlite has a single connection: check capabilities.multipleConnections before connect()'));
    },
    async close() {
      if (!db.closed) await db.close();
      await lock?.release();
    },
  };
}
