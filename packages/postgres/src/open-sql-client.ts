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

export function openSqlClient(url: string, options: { readonly logger?: Logger } = {}): Promise<PostgresClient> {
  const target = parseSqlClientUrl(url);
  return target.kind === 'postgres'
    ? Promise.resolve(createPgClient(target.connectionString, options))
    : createPgliteClient(target.dataDir, options);
}
