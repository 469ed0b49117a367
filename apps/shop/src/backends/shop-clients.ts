// The database clients of a shop process: a pool per role on a PostgreSQL server, PGlite's one connection shared by all.
import type { Logger } from '@twofold/core';
import { openSqlClient, parseSqlClientUrl, type PostgresClient } from '@twofold/postgres';

/** Who uses a client: command transactions, projector batches, or queries (and the gate, health, metrics). */
export type ClientRole = 'commands' | 'projector' | 'reads';

/** Connections per role and database. */
export interface PoolSizes {
  readonly commands: number;
  readonly projector: number;
  readonly reads: number;
}

/**
 * Commands: the processor keeps at most four batches in flight, plus a snapshot write. Projector: one batch per
 * read model at a time (six of them). Reads: two cores' worth of queries in flight and a few waiting; more
 * connections than PostgreSQL can run at once only queue inside it.
 */
export const defaultPoolSizes: PoolSizes = { commands: 6, projector: 6, reads: 8 };

/**
 * Bounds on the command and projector sessions, so no stalled process (stopped, paused by GC, cut off) can hold a
 * transaction open for long: an open transaction anywhere on the server holds back the head every log reader sees
 * (DESIGN 5.1). Set per session, never on the server. 0 turns a bound off.
 */
export interface SessionTimeouts {
  /** A transaction left idle this long is ended by the server (its connection closed). */
  readonly idleInTransactionMs: number;
  /**
   * A statement running this long is cancelled. One unanswered 1 s longer fails as StoreUnavailable and its connection
   * is discarded: the server would have answered by then, so the link is lost (a partition that answers nothing).
   */
  readonly statementMs: number;
  /** The longest wait for a connection (opening one, or a free one from the pool); beyond, StoreUnavailable (503). */
  readonly connectMs: number;
}

export const defaultSessionTimeouts: SessionTimeouts = { idleInTransactionMs: 5_000, statementMs: 30_000, connectMs: 5_000 };

/**
 * Client-side bounds of a role's connections. Reads have no statement_timeout (a migration, or a search, may run
 * long), so no read bound either: only their connecting is bounded.
 */
export function connectionBoundsFor(role: ClientRole, timeouts: SessionTimeouts): { connectTimeoutMs: number; readTimeoutMs: number } {
  const readTimeoutMs = role === 'reads' || timeouts.statementMs === 0 ? 0 : timeouts.statementMs + 1_000;
  return { connectTimeoutMs: timeouts.connectMs, readTimeoutMs };
}

/** The settings every session of a role's pool starts with, on a PostgreSQL server. */
export function sessionSettingsFor(role: ClientRole, timeouts: SessionTimeouts): Record<string, string> {
  if (role === 'reads') return {};
  const bounds = { idle_in_transaction_session_timeout: String(timeouts.idleInTransactionMs), statement_timeout: String(timeouts.statementMs) };
  if (role !== 'projector') return bounds;
  // a batch lost with the server is applied again from its checkpoint, so the projector need not wait for the flush.
  // Its statements (the log read, the checkpoint claim, the process states, the read models' templates) run a hundred
  // times a second with a batch's rows as parameters. Under plan_cache_mode auto PostgreSQL planned several of them
  // again at nearly every run (the log read at 0.23 ms a time): planning was about a quarter of the projector
  // sessions' statement time. Their plans do not depend on the values (read-all-plan, read-process-batch-plan and
  // deadline-statements-plan test the generic ones on grown tables), so they are planned once per session. A read
  // model whose statement needs a plan per value can run `SET LOCAL plan_cache_mode = auto` in its apply (for the rest
  // of the batch's transaction).
  return { ...bounds, synchronous_commit: 'off', plan_cache_mode: 'force_generic_plan' };
}

/** The database a store URL names: `memory` is an in-memory PGlite. */
export const sqlLocation = (url: string): string => (url === 'memory' ? 'pglite:memory' : url);

export interface ShopClients {
  /**
   * The client of `role` on `url` (`memory`, `pglite:…` or `postgres://…`). On a server each role has a pool of
   * its own, so a projector batch never queues a read and a read storm never delays a commit. PGlite has one
   * connection: every role shares it.
   */
  clientFor(role: ClientRole, url: string): Promise<PostgresClient>;
  /** Closes every client opened, last first. */
  close(): Promise<void>;
}

export function shopClients(options: { readonly pools?: Partial<PoolSizes>; readonly timeouts?: Partial<SessionTimeouts>; readonly logger?: Logger } = {}): ShopClients {
  const pools = { ...defaultPoolSizes, ...options.pools };
  const timeouts = { ...defaultSessionTimeouts, ...options.timeouts };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`session timeout ${name} must be a non-negative integer (ms), not ${value}`);
  }
  const opened = new Map<string, Promise<PostgresClient>>();
  return {
    clientFor(role, url) {
      const location = sqlLocation(url);
      const server = parseSqlClientUrl(location).kind === 'postgres';
      const key = server ? `${role} ${location}` : location;
      let client = opened.get(key);
      if (client === undefined) {
        client = openSqlClient(location, {
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...(server ? { maxConnections: pools[role], applicationName: `twofold ${role} pid ${process.pid}` } : {}),
          ...(server ? { sessionSettings: sessionSettingsFor(role, timeouts), ...connectionBoundsFor(role, timeouts) } : {}),
        });
        opened.set(key, client);
        // a client that failed to open is not kept: the caller sees the error, the next call tries again
        client.catch(() => opened.delete(key));
      }
      return client;
    },
    async close() {
      for (const client of [...opened.values()].reverse()) await (await client.catch(() => undefined))?.close().catch(() => undefined);
      opened.clear();
    },
  };
}
