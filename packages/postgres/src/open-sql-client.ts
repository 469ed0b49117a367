// Opens a PostgresClient from a URL: `pglite:memory`, `pglite:DIR` or `postgres://…` / `postgresql://…`.
import type { Logger } from '@twofold/core';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';

export type SqlClientTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string | undefined }
  | { readonly kind: 'postgres'; readonly connectionString: string };

/** Parses a store URL; throws a RangeError naming the accepted forms. */
export function parseSqlClientUrl(url: string): SqlClientTarget {
  if (/^postgres(ql)?:\/\/./.test(url)) return { kind: 'postgres', connectionString: url };
  const pglite = /^pglite:(.+)$/.exec(url);
  if (pglite !== null) {
    // `pglite:///abs/dir` and `pglite://rel/dir` are accepted too
    const location = pglite[1]!.replace(/^\/\/(?=.)/, '');
    return { kind: 'pglite', dataDir: location === 'memory' ? undefined : location };
  }
  throw new RangeError(`unsupported database URL "${url}": use pglite:memory, pglite:DIR or postgres://…`);
}

export interface OpenSqlClientOptions {
  readonly logger?: Logger;
  /** PostgreSQL: the most pooled connections (default 10). PGlite has one. */
  readonly maxConnections?: number;
  /** PostgreSQL: the name its sessions show in pg_stat_activity. */
  readonly applicationName?: string;
  /** PostgreSQL: settings every session of the client starts with (`SET name = value`), e.g. `synchronous_commit: 'off'`. */
  readonly sessionSettings?: Readonly<Record<string, string>>;
  /**
   * PostgreSQL: the longest wait for a connection (opening one, or a free one from a full pool); beyond, the query
   * fails with StoreUnavailable, as when the server refuses. Default none: a partition that answers nothing would
   * hold every caller until it heals.
   */
  readonly connectTimeoutMs?: number;
  /**
   * PostgreSQL: a statement unanswered this long is failed with StoreUnavailable and its connection discarded (the
   * link is presumed lost). Set it above the sessions' statement_timeout, so only a silent link trips it. Default none.
   */
  readonly readTimeoutMs?: number;
}

export function openSqlClient(url: string, options: OpenSqlClientOptions = {}): Promise<PostgresClient> {
  const { logger, maxConnections, applicationName, sessionSettings = {}, connectTimeoutMs, readTimeoutMs } = options;
  for (const [name, value] of Object.entries({ connectTimeoutMs, readTimeoutMs })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new RangeError(`${name} must be a non-negative integer (ms), not ${value}`);
  }
  for (const [name, value] of Object.entries(sessionSettings)) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(name) || !/^[A-Za-z0-9_.:-]+$/.test(value)) throw new RangeError(`invalid session setting ${name}=${value}`);
  }
  const settings = Object.entries(sessionSettings).map(([name, value]) => `-c ${name}=${value}`).join(' ');
  const target = parseSqlClientUrl(url);
  if (target.kind === 'pglite') return createPgliteClient(target.dataDir, logger === undefined ? {} : { logger });
  return Promise.resolve(
    createPgClient(
      {
        connectionString: target.connectionString,
        ...(maxConnections === undefined ? {} : { max: maxConnections }),
        ...(applicationName === undefined ? {} : { application_name: applicationName }),
        ...(settings === '' ? {} : { options: settings }),
        ...(connectTimeoutMs === undefined || connectTimeoutMs === 0 ? {} : { connectionTimeoutMillis: connectTimeoutMs }),
        ...(readTimeoutMs === undefined || readTimeoutMs === 0 ? {} : { query_timeout: readTimeoutMs }),
      },
      logger === undefined ? {} : { logger },
    ),
  );
}
