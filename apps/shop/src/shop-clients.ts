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

export function shopClients(options: { readonly pools?: Partial<PoolSizes>; readonly logger?: Logger } = {}): ShopClients {
  const pools = { ...defaultPoolSizes, ...options.pools };
  const opened = new Map<string, Promise<PostgresClient>>();
  return {
    clientFor(role, url) {
      const location = url === 'memory' ? 'pglite:memory' : url;
      const server = parseSqlClientUrl(location).kind === 'postgres';
      const key = server ? `${role} ${location}` : location;
      let client = opened.get(key);
      if (client === undefined) {
        client = openSqlClient(location, {
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...(server ? { maxConnections: pools[role], applicationName: `twofold ${role}` } : {}),
          ...(server && role === 'projector' ? { sessionSettings: { synchronous_commit: 'off' } } : {}),
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
