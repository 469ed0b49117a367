// Projection leases on PostgreSQL: rows in twofold_leases that expire unless renewed, over a connection of their own;
// on a client that is its database's only user (PGlite), leases held in this process.
import { holdLeasesThrough, type LeaseTable, type LeaseTiming, type ProjectionLease } from '@twofold/core';
import type { DedicatedConnection, NamedStatement, PostgresClient } from './postgres-client.js';
import { releaseLease } from './statements/release-lease.js';
import { renewLease } from './statements/renew-lease.js';
import { takeLease } from './statements/take-lease.js';

export interface PostgresProjectionLeases {
  tryAcquire(name: string): Promise<ProjectionLease | undefined>;
  /** The fencing token a batch of `name` commits under: null when this store holds no grant for it (or still asks for one). */
  fence(name: string): number | null;
  /** Gives back the leases still held and closes the lease connection. */
  close(): Promise<void>;
}

// Leases of clients that are their database's only user: held in this process, shared by every store on the client.
const localLeases = new WeakMap<PostgresClient, Set<string>>();

function acquireLocal(client: PostgresClient, name: string): ProjectionLease | undefined {
  const leases = localLeases.get(client) ?? new Set<string>();
  localLeases.set(client, leases);
  if (leases.has(name)) return undefined;
  leases.add(name);
  let released = false;
  return {
    lost: false,
    async release() {
      if (!released) leases.delete(name);
      released = true;
    },
  };
}

/** The lease rows, over one dedicated connection: renewals never queue behind batches for a pooled one. */
function leaseTableOn(client: PostgresClient): { table: LeaseTable; close(): Promise<void> } {
  let connection: Promise<DedicatedConnection> | undefined;
  // one connection answers one query at a time: the projections' lease calls take turns on it
  let queue: Promise<unknown> = Promise.resolve();

  // a lost connection is replaced on the next call (the lease lives in its row, not in the session)
  async function open(): Promise<DedicatedConnection> {
    for (;;) {
      const pending = (connection ??= client.connect());
      let opened: DedicatedConnection;
      try {
        opened = await pending;
      } catch (error) {
        if (connection === pending) connection = undefined;
        throw error;
      }
      if (!opened.lost) return opened;
      if (connection === pending) connection = undefined;
    }
  }
  const run = <Row>(statement: NamedStatement, params: readonly unknown[]) => {
    const query = async () => (await open()).query<Row>(statement.text, params);
    const turn = queue.then(query, query);
    queue = turn.catch(() => undefined);
    return turn;
  };

  const table: LeaseTable = {
    async take(name, holder, ttlMs) {
      const { rows } = await run<{ token: string | number }>(takeLease, [name, holder, ttlMs]);
      return rows[0] === undefined ? undefined : Number(rows[0].token);
    },
    async renew(name, token, ttlMs) {
      const { rows } = await run(renewLease, [name, token, ttlMs]);
      return rows.length === 1;
    },
    async release(name, token) {
      await run(releaseLease, [name, token]);
    },
  };
  return {
    table,
    async close() {
      const opened = await connection?.catch(() => undefined);
      connection = undefined;
      await opened?.close();
    },
  };
}

export function postgresProjectionLeases(client: PostgresClient, holder: string, timing: LeaseTiming): PostgresProjectionLeases {
  const rows = leaseTableOn(client);
  const held = holdLeasesThrough(rows.table, holder, timing);
  return {
    async tryAcquire(name) {
      return client.capabilities.multipleConnections ? held.tryAcquire(name) : acquireLocal(client, name);
    },
    fence: (name) => held.fencingToken(name) ?? null,
    async close() {
      // a lease given back is free at once; one left to expire would keep a standby waiting a whole ttl
      await held.releaseAll();
      await rows.close();
    },
  };
}
