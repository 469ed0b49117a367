// The projection store on PostgreSQL and PGlite: read model and checkpoint in one transaction, leases that expire unless renewed.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CheckpointMoved,
  holdExpiringLease,
  leaseTiming,
  InvalidCommand,
  NotFound,
  logStart,
  type AdministeredProjectionStore,
  type CheckpointMove,
  type DeadLetter,
  type LeaseTable,
  type LeaseTiming,
  type NewDeadLetter,
  type ProjectionCheckpoint,
  type ProjectionDefinition,
  type ProjectionLease,
  type RebuildProgress,
  type StoredEvent,
} from '@twofold/core';
import { toDate } from './event-row.js';
import { decodeMoves, encodeMove } from './change-payloads.js';
import { channelSubscriptions } from './channel-subscriptions.js';
import { createTransactionGroup } from './transaction-group.js';
import { execute, type DedicatedConnection, type PostgresClient } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { insertCheckpoint } from './statements/insert-checkpoint.js';
import { lockProjectionSetup } from './statements/lock-projection-setup.js';
import { insertDeadLetters } from './statements/insert-dead-letters.js';
import { moveCheckpoint } from './statements/move-checkpoint.js';
import { moveRebuildCheckpoint } from './statements/move-rebuild-checkpoint.js';
import { readDeadLetters, type DeadLetterRow } from './statements/read-dead-letters.js';
import { readCheckpoints, type CheckpointRow } from './statements/read-checkpoints.js';
import { releaseLease } from './statements/release-lease.js';
import { renewLease } from './statements/renew-lease.js';
import { takeLease } from './statements/take-lease.js';

/** The notification channel woken after each committed batch. */
export const checkpointsChannel = 'twofold_checkpoints';
/** The notification channel woken when an operator pauses, resumes, rebuilds or retries a projection. */
export const controlChannel = 'twofold_projection_control';

const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  version: Number(row.version),
  cursor: { transactionId: Number(row.transaction_id), position: Number(row.position) },
  lastEventAt: row.last_event_at === null ? undefined : toDate(row.last_event_at),
  updatedAt: toDate(row.updated_at),
  generation: Number(row.generation),
  paused: row.paused,
  retryRequested: row.retry_requested,
  deadLetterCount: Number(row.dead_letters),
  rebuild:
    row.rebuild_generation === null
      ? undefined
      : {
          generation: Number(row.rebuild_generation),
          version: Number(row.rebuild_version),
          cursor: { transactionId: Number(row.rebuild_transaction_id), position: Number(row.rebuild_position) },
          lastEventAt: row.rebuild_last_event_at === null ? undefined : toDate(row.rebuild_last_event_at),
          startedAt: toDate(row.rebuild_started_at!),
        },
});

/** The schema holding one generation of a projection's tables. */
export const generationSchema = (name: string, generation: number): string =>
  `twofold_rm_${name.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase().slice(0, 40)}_${generation}`;

const quoteIdentifier = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

const toDeadLetterRow = ({ event, error }: NewDeadLetter) => ({
  eventId: event.eventId,
  streamId: event.streamId,
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
  event,
  error,
});

const toDeadLetter = (row: DeadLetterRow): DeadLetter => {
  const event = row.event as unknown as StoredEvent & { recordedAt: string };
  return { id: String(row.id), projection: row.projection, event: { ...event, recordedAt: new Date(event.recordedAt) }, error: row.error, parkedAt: toDate(row.parked_at) };
};

// Leases of clients that are their database's only user: held in this process, shared by every store on the client.
const localLeases = new WeakMap<PostgresClient, Set<string>>();

export interface PostgresProjectionStoreOptions {
  /**
   * Leases expire unless renewed: default ttl 5 s, renewed every ttl / 3. A holder that cannot renew in time
   * (stalled, cut off) stops applying, and a standby takes the lease once it expired.
   */
  readonly lease?: Partial<LeaseTiming>;
  /** Who holds this store's leases, as `twofold_leases.holder` shows it (default: host, process id and a random suffix). */
  readonly holder?: string;
}

export function postgresProjectionStore(client: PostgresClient, options: PostgresProjectionStoreOptions = {}): AdministeredProjectionStore<SqlSession> {
  const timing = leaseTiming(options.lease);
  const holder = options.holder ?? `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`;
  const subscriptions = channelSubscriptions(client, checkpointsChannel);
  const controlSubscriptions = channelSubscriptions(client, controlChannel);
  // the fencing token of each lease this store holds: its batches commit only while that grant is current
  const granted = new Map<string, number>();
  const holding = new Set<ProjectionLease>();
  let leaseConnection: Promise<DedicatedConnection> | undefined;
  // one connection answers one query at a time: the projections' lease calls take turns on it
  let leaseQueue: Promise<unknown> = Promise.resolve();
  const onLeaseConnection = <T>(query: () => Promise<T>): Promise<T> => {
    const turn = leaseQueue.then(query, query);
    leaseQueue = turn.catch(() => undefined);
    return turn;
  };

  // renewals go over a connection of their own, so they never queue behind batches for a pooled one; a lost
  // connection is replaced on the next call (the lease lives in its row, not in the session)
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
  const onLeaseRow = <Row>(statement: { text: string }, params: readonly unknown[]) =>
    onLeaseConnection(async () => (await openLeaseConnection()).query<Row>(statement.text, params));

  const leaseTable: LeaseTable = {
    async take(name, by, ttlMs) {
      const { rows } = await onLeaseRow<{ token: string | number }>(takeLease, [name, by, ttlMs]);
      return rows[0] === undefined ? undefined : Number(rows[0].token);
    },
    async renew(name, token, ttlMs) {
      const { rows } = await onLeaseRow(renewLease, [name, token, ttlMs]);
      return rows.length === 1;
    },
    async release(name, token) {
      await onLeaseRow(releaseLease, [name, token]);
    },
  };

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

  async function acquireExpiring(name: string): Promise<ProjectionLease | undefined> {
    // one grant per name and store: a second runner here for the same projection is a standby like any other
    if (granted.has(name)) return undefined;
    granted.set(name, Number.NaN);
    let lease: Awaited<ReturnType<typeof holdExpiringLease>>;
    try {
      lease = await holdExpiringLease(leaseTable, name, holder, timing);
    } catch (error) {
      granted.delete(name);
      throw error;
    }
    if (lease === undefined) {
      granted.delete(name);
      return undefined;
    }
    const held = lease;
    granted.set(name, held.token);
    const handle: ProjectionLease = {
      get lost() {
        return held.lost;
      },
      async release() {
        holding.delete(handle);
        if (granted.get(name) === held.token) granted.delete(name);
        await held.release();
      },
    };
    holding.add(handle);
    return handle;
  }

  /** Runs `fn` with the projection's tables of `generation` first on the search path (when it declares tables). */
  async function inGeneration<T>(session: SqlSession, name: string, generation: number, tables: readonly string[] | null, fn: () => Promise<T>): Promise<T> {
    if (tables !== null) await session.query(`SET LOCAL search_path TO ${quoteIdentifier(generationSchema(name, generation))}, ${await readerSchema(session)}`);
    return fn();
  }

  // the schema readers resolve unqualified names in: the views of live generations go there. Asked through the
  // caller's session, never the client: on a single-connection client (PGlite) that would wait for the session itself
  let readerSchemaName: string | undefined;
  const readerSchema = async (session: SqlSession): Promise<string> => {
    if (readerSchemaName === undefined) {
      const { rows } = await session.query<{ schema: string }>(`SELECT current_schema() AS schema`);
      readerSchemaName = quoteIdentifier(rows[0]!.schema);
    }
    return readerSchemaName;
  };

  async function exposeGeneration(session: SqlSession, name: string, generation: number, tables: readonly string[]): Promise<void> {
    const readers = await readerSchema(session);
    for (const table of tables) {
      await session.query(`DROP VIEW IF EXISTS ${readers}.${quoteIdentifier(table)}`);
      await session.query(`CREATE VIEW ${readers}.${quoteIdentifier(table)} AS SELECT * FROM ${quoteIdentifier(generationSchema(name, generation))}.${quoteIdentifier(table)}`);
    }
  }

  async function setUp(session: SqlSession, projection: ProjectionDefinition<SqlSession>, generation: number): Promise<void> {
    const tables = projection.tables ?? null;
    if (tables !== null) await session.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(generationSchema(projection.name, generation))}`);
    await inGeneration(session, projection.name, generation, tables, async () => {
      await projection.setup?.(session);
    });
  }


  // batches committed at the same time (runners woken by the same append) share a transaction
  const batches = createTransactionGroup(client);
  /** A batch committed: a live one says where its checkpoint is now; a rebuild's says nothing readers use. */
  const changed = (move?: CheckpointMove): void => client.notify(checkpointsChannel, move === undefined ? undefined : encodeMove(move));
  /** An operator's change: runners wake on it, and gates see the checkpoint row change too. */
  const controlled = (): void => {
    client.notify(controlChannel);
    client.notify(checkpointsChannel);
  };

  return {
    async prepare(projection) {
      const checkpoint = await client.transaction(async (session) => {
        await execute(session, lockProjectionSetup, [projection.name]);
        // learnt before any SET LOCAL search_path moves current_schema()
        await readerSchema(session);
        await execute(session, insertCheckpoint, [projection.name, projection.version]);
        const tables = projection.tables === undefined ? null : [...projection.tables];
        const { rows } = await session.query<{ generation: number }>(
          'UPDATE twofold_checkpoints SET tables = $2 WHERE name = $1 RETURNING generation',
          [projection.name, tables],
        );
        const generation = rows[0]!.generation;
        await setUp(session, projection, generation);
        if (tables !== null) await exposeGeneration(session, projection.name, generation, tables);
        const { rows: checkpoints } = await execute<CheckpointRow>(session, readCheckpoints, [[projection.name]]);
        return toCheckpoint(checkpoints[0]!);
      });
      return checkpoint;
    },

    async readCheckpoints(names) {
      const { rows } = await execute<CheckpointRow>(client, readCheckpoints, [names === undefined ? null : [...names]]);
      return rows.map(toCheckpoint);
    },

    async commitBatch(name, from, to, apply, options = {}) {
      const { deadLetters = [], generation } = options;
      // under a lease of this store the move is fenced by its grant (NaN while a grant is being asked for: none yet)
      const token = granted.get(name);
      const fence = token === undefined || Number.isNaN(token) ? null : token;
      await batches.run(async (session) => {
        // compare-and-set first: on 0 rows nothing has been applied; on 1 the row stays locked until commit
        const moved =
          generation === undefined
            ? await execute<{ generation: number; tables: string[] | null }>(session, moveCheckpoint, [
                name,
                from.transactionId,
                from.position,
                to.cursor.transactionId,
                to.cursor.position,
                to.lastEventAt,
                fence,
              ])
            : await execute<{ generation: number; tables: string[] | null }>(session, moveRebuildCheckpoint, [
                name,
                generation,
                from.transactionId,
                from.position,
                to.cursor.transactionId,
                to.cursor.position,
                to.lastEventAt,
                fence,
              ]);
        const row = moved.rows[0];
        // a live batch from an instance that still thinks it is live after a switch finds its rows gone from the view,
        // and one from an instance whose lease expired or was taken over finds its grant no longer current: refuse both
        if (moved.rowCount !== 1 || row === undefined) throw new CheckpointMoved(name);
        await inGeneration(session, name, row.generation, row.tables, () => apply(session));
        if (deadLetters.length > 0) await execute(session, insertDeadLetters, [name, JSON.stringify(deadLetters.map(toDeadLetterRow))]);
      });
      changed(generation === undefined ? { name, cursor: to.cursor, lastEventAt: to.lastEventAt } : undefined);
    },

    async setPaused(name, paused) {
      const { rowCount } = await client.query('UPDATE twofold_checkpoints SET paused = $2 WHERE name = $1', [name, paused]);
      if (rowCount === 0) throw new NotFound('projection', name);
      controlled();
    },

    async requestRebuild(name, version): Promise<RebuildProgress> {
      const progress = await client.transaction(async (session) => {
        await execute(session, lockProjectionSetup, [name]);
        const { rows } = await session.query<{ generation: number; tables: string[] | null; rebuild_generation: number | null }>(
          'SELECT c.generation, c.tables, r.generation AS rebuild_generation FROM twofold_checkpoints c LEFT JOIN twofold_rebuilds r ON r.name = c.name WHERE c.name = $1',
          [name],
        );
        const row = rows[0];
        if (row === undefined) throw new NotFound('projection', name);
        if (row.tables === null) throw new InvalidCommand(`projection ${name} does not declare its tables, so it cannot be rebuilt beside the live one`, { projection: name });
        // a rebuild asked for again starts over in a fresh generation
        if (row.rebuild_generation !== null) await session.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(generationSchema(name, row.rebuild_generation))} CASCADE`);
        const generation = Math.max(row.generation, row.rebuild_generation ?? 0) + 1;
        const { rows: started } = await session.query<{ started_at: Date | string }>(
          `INSERT INTO twofold_rebuilds (name, generation, version) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET generation = $2, version = $3, transaction_id = 0, position = 0, last_event_at = NULL, started_at = now()
           RETURNING started_at`,
          [name, generation, version],
        );
        return { generation, version, cursor: logStart, lastEventAt: undefined, startedAt: toDate(started[0]!.started_at) };
      });
      controlled();
      return progress;
    },

    async prepareGeneration(projection, generation) {
      await client.transaction(async (session) => {
        await execute(session, lockProjectionSetup, [projection.name]);
        await setUp(session, projection, generation);
      });
    },

    async completeRebuild(name, generation, at) {
      const switched = await client.transaction(async (session) => {
        await execute(session, lockProjectionSetup, [name]);
        const { rows } = await session.query<{ generation: number; tables: string[] | null }>(
          `SELECT c.generation, c.tables FROM twofold_checkpoints c JOIN twofold_rebuilds r ON r.name = c.name
           WHERE c.name = $1 AND r.generation = $2
             AND c.transaction_id = $3 AND c.position = $4 AND r.transaction_id = $3 AND r.position = $4
           FOR UPDATE OF c, r`,
          [name, generation, at.transactionId, at.position],
        );
        const row = rows[0];
        if (row === undefined) throw new CheckpointMoved(name);
        if (row.tables !== null) await exposeGeneration(session, name, generation, row.tables);
        await session.query(
          `UPDATE twofold_checkpoints c SET generation = r.generation, version = r.version, updated_at = now()
           FROM twofold_rebuilds r WHERE c.name = $1 AND r.name = c.name`,
          [name],
        );
        await session.query('DELETE FROM twofold_rebuilds WHERE name = $1', [name]);
        // the views now point at the new generation, so nothing depends on the old one any more
        await session.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(generationSchema(name, row.generation))} CASCADE`);
        return row.tables ?? [];
      });
      changed();
      // a bulk build leaves GIN indexes with long pending lists (a sku search took 10 ms instead of 1 until
      // vacuumed) and the planner without statistics: tidy the new tables now, without holding up the daemon
      void (async () => {
        for (const table of switched) {
          await client.query(`VACUUM (ANALYZE) ${quoteIdentifier(generationSchema(name, generation))}.${quoteIdentifier(table)}`);
        }
      })().catch(() => undefined);
    },

    async readDeadLetters(name) {
      const { rows } = await execute<DeadLetterRow>(client, readDeadLetters, [name ?? null]);
      return rows.map(toDeadLetter);
    },

    async requestDeadLetterRetry(name) {
      const { rowCount } = await client.query('UPDATE twofold_checkpoints SET retry_requested = true WHERE name = $1', [name]);
      if (rowCount === 0) throw new NotFound('projection', name);
      controlled();
    },

    async retryDeadLetter(name, id, apply) {
      await client.transaction(async (session) => {
        const { rows } = await session.query<{ generation: number; tables: string[] | null }>(
          `SELECT c.generation, c.tables FROM twofold_dead_letters d JOIN twofold_checkpoints c ON c.name = d.projection
           WHERE d.projection = $1 AND d.id = $2 FOR UPDATE OF d`,
          [name, id],
        );
        const row = rows[0];
        if (row === undefined) throw new NotFound('dead letter', id);
        await inGeneration(session, name, row.generation, row.tables, () => apply(session));
        await session.query('DELETE FROM twofold_dead_letters WHERE projection = $1 AND id = $2', [name, id]);
      });
    },

    async finishDeadLetterRetry(name, failures) {
      await client.transaction(async (session) => {
        for (const { id, error } of failures) {
          await session.query('UPDATE twofold_dead_letters SET error = $3 WHERE projection = $1 AND id = $2', [name, id, error]);
        }
        await session.query('UPDATE twofold_checkpoints SET retry_requested = false WHERE name = $1', [name]);
      });
      changed();
    },

    async dropDeadLetters(name, ids) {
      const { rowCount } =
        ids === undefined
          ? await client.query('DELETE FROM twofold_dead_letters WHERE projection = $1', [name])
          : await client.query('DELETE FROM twofold_dead_letters WHERE projection = $1 AND id = ANY($2::bigint[])', [name, ids.map(Number)]);
      controlled();
      return rowCount ?? 0;
    },

    tryAcquireLease(name) {
      return client.capabilities.multipleConnections ? acquireExpiring(name) : acquireLocal(name);
    },

    subscribe: (listener) => subscriptions.subscribe((payload) => listener(decodeMoves(payload))),
    subscribeToControl: (listener) => controlSubscriptions.subscribe(() => listener()),

    /** Ends this store's subscriptions and its lease connection (its leases expire unless released first); the client stays open. */
    async close() {
      subscriptions.endAll();
      controlSubscriptions.endAll();
      // a lease given back is free at once; one left to expire would keep a standby waiting a whole ttl
      await Promise.all([...holding].map((lease) => lease.release()));
      const connection = await leaseConnection?.catch(() => undefined);
      leaseConnection = undefined;
      granted.clear();
      await connection?.close();
    },
  };
}
