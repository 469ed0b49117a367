// The projection store on PostgreSQL and PGlite: read model and checkpoint in one transaction, leases as advisory locks.
import { CheckpointMoved, type ProjectionCheckpoint, type ProjectionLease, type ProjectionStore } from '@twofold/core';
import { toDate } from './event-row.js';
import { execute, type DedicatedConnection, type PostgresClient } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { insertCheckpoint } from './statements/insert-checkpoint.js';
import { lockProjectionSetup } from './statements/lock-projection-setup.js';
import { moveCheckpoint } from './statements/move-checkpoint.js';
import { readCheckpoints, type CheckpointRow } from './statements/read-checkpoints.js';
import { tryLockProjection } from './statements/try-lock-projection.js';
import { unlockProjection } from './statements/unlock-projection.js';

/** The notification channel woken after each committed batch. */
export const checkpointsChannel = 'twofold_checkpoints';

const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  version: Number(row.version),
  cursor: { transactionId: Number(row.transaction_id), position: Number(row.position) },
  lastEventAt: row.last_event_at === null ? undefined : toDate(row.last_event_at),
  updatedAt: toDate(row.updated_at),
});

// Leases of clients that are their database's only user: held in this process, shared by every store on the client.
const localLeases = new WeakMap<PostgresClient, Set<string>>();

export function postgresProjectionStore(client: PostgresClient): ProjectionStore<SqlSession> {
  const subscriptions = new Set<() => void>();
  // names leased through this store; an advisory lock is re-entrant within its session, so this set is what keeps a second tryAcquireLease out
  const held = new Set<string>();
  let leaseConnection: Promise<DedicatedConnection> | undefined;

  // one dedicated connection holds every lease of this store; a lost one is replaced on the next acquire
  async function openLeaseConnection(): Promise<DedicatedConnection> {
    for (;;) {
      const pending = (leaseConnection ??= client.connect());
      let connection: DedicatedConnection;
      try {
        connection = await pending;
      } catch (error) {
        if (leaseConnection === pending) leaseConnection = undefined;
        throw error;
      }
      if (!connection.lost) return connection;
      if (leaseConnection === pending) leaseConnection = undefined;
    }
  }

  async function acquireLocal(name: string): Promise<ProjectionLease | undefined> {
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

  async function acquireAdvisory(name: string): Promise<ProjectionLease | undefined> {
    if (held.has(name)) return undefined;
    held.add(name);
    try {
      const connection = await openLeaseConnection();
      const { rows } = await connection.query<{ acquired: boolean }>(tryLockProjection.text, [name]);
      if (rows[0]?.acquired !== true) {
        held.delete(name);
        return undefined;
      }
      let released = false;
      return {
        // the lock lives exactly as long as the connection's session
        get lost() {
          return !released && connection.lost;
        },
        async release() {
          if (released) return;
          released = true;
          held.delete(name);
          if (!connection.lost) await connection.query(unlockProjection.text, [name]).catch(() => undefined);
        },
      };
    } catch (error) {
      held.delete(name);
      throw error;
    }
  }

  return {
    async prepare(projection) {
      return client.transaction(async (session) => {
        await execute(session, lockProjectionSetup, [projection.name]);
        await projection.setup?.(session);
        await execute(session, insertCheckpoint, [projection.name, projection.version]);
        const { rows } = await execute<CheckpointRow>(session, readCheckpoints, [[projection.name]]);
        return toCheckpoint(rows[0]!);
      });
    },

    async readCheckpoints(names) {
      const { rows } = await execute<CheckpointRow>(client, readCheckpoints, [names === undefined ? null : [...names]]);
      return rows.map(toCheckpoint);
    },

    async commitBatch(name, from, to, apply) {
      await client.transaction(async (session) => {
        // compare-and-set first: on 0 rows nothing has been applied; on 1 the row stays locked until commit
        const moved = await execute(session, moveCheckpoint, [
          name,
          from.transactionId,
          from.position,
          to.cursor.transactionId,
          to.cursor.position,
          to.lastEventAt,
        ]);
        if (moved.rowCount !== 1) throw new CheckpointMoved(name);
        await apply(session);
      });
      client.notify(checkpointsChannel);
    },

    tryAcquireLease(name) {
      return client.capabilities.multipleConnections ? acquireAdvisory(name) : acquireLocal(name);
    },

    subscribe(listener) {
      const unlisten = client.listen(checkpointsChannel, listener);
      const unsubscribe = (): void => {
        subscriptions.delete(unsubscribe);
        unlisten();
      };
      subscriptions.add(unsubscribe);
      return unsubscribe;
    },

    /** Ends this store's subscriptions and its lease connection (releasing its leases); the client stays open. */
    async close() {
      for (const unsubscribe of [...subscriptions]) unsubscribe();
      const connection = await leaseConnection?.catch(() => undefined);
      leaseConnection = undefined;
      held.clear();
      await connection?.close();
    },
  };
}
