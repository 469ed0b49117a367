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
}

export function openSqlClient(url: string, options: OpenSqlClientOptions = {}): Promise<PostgresClient> {
  const { logger, maxConnections, applicationName, sessionSettings = {} } = options;
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
      },
      logger === undefined ? {} : { logger },
    ),
  );
}
