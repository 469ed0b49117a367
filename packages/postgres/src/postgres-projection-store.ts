// The projection store on PostgreSQL and PGlite: read model and checkpoint in one transaction, leases that expire unless
// renewed. Its parts: checkpoints (here), leases, generations and rebuilds, dead letters; all SQL in statements/.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { NotFound, leaseTiming, type AdministeredProjectionStore, type LeaseTiming, type ProjectionCheckpoint } from '@twofold/core';
import { decodeMoves, encodeMove } from './change-payloads.js';
import { channelSubscriptions } from './channel-subscriptions.js';
import { toCheckpoint } from './checkpoint-row.js';
import { postgresDeadLetters, toDeadLetterRow } from './postgres-dead-letters.js';
import { groupedBatchCommits } from './grouped-batch-commits.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { postgresProjectionLeases } from './postgres-projection-leases.js';
import { postgresRebuilds } from './postgres-projection-rebuilds.js';
import { projectionGenerations, type DeclaredTables } from './projection-generations.js';
import { readModelTransactionsOf } from './read-model-transactions.js';
import { checkpointsChannel, controlChannel, projectionNotifications } from './projection-notifications.js';
import type { SqlSession } from './sql-client.js';
import { createTransactionGroup } from './transaction-group.js';
import { insertCheckpoint } from './statements/insert-checkpoint.js';
import { insertDeadLetters } from './statements/insert-dead-letters.js';
import { lockProjectionSetup } from './statements/lock-projection-setup.js';
import { readCheckpoints, type CheckpointRow } from './statements/read-checkpoints.js';
import { recordProjectionTables } from './statements/record-projection-tables.js';
import { setProjectionPaused } from './statements/set-projection-paused.js';

export { checkpointsChannel, controlChannel } from './projection-notifications.js';
export { generationSchema } from './projection-generations.js';

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
  const leases = postgresProjectionLeases(client, holder, timing);
  const subscriptions = channelSubscriptions(client, checkpointsChannel);
  const controlSubscriptions = channelSubscriptions(client, controlChannel);
  const notifications = projectionNotifications(client);
  const generations = projectionGenerations();
  // batches committed at the same time (runners woken by the same append) share a transaction and one claim; the
  // group runs one transaction at a time, whose xid the log's readers on this client may read past while it is open
  const readModelTransactions = readModelTransactionsOf(client);
  let openXid: string | undefined;
  const batches = createTransactionGroup(
    {
      async transaction(work) {
        try {
          return await client.transaction(work);
        } finally {
          if (openXid !== undefined) readModelTransactions.ended(openXid);
          openXid = undefined;
        }
      },
    },
    groupedBatchCommits(generations, (xid) => {
      openXid = xid;
      readModelTransactions.opened(xid);
    }),
  );

  async function readCheckpointsIn(session: SqlSession, names: readonly string[] | undefined): Promise<ProjectionCheckpoint[]> {
    const { rows } = await runStatement<CheckpointRow>(session, readCheckpoints, [names === undefined ? null : [...names]]);
    return rows.map(toCheckpoint);
  }

  return {
    async prepare(projection) {
      return client.transaction(async (session) => {
        await runStatement(session, lockProjectionSetup, [projection.name]);
        // learnt before any SET LOCAL search_path moves current_schema()
        await generations.readerSchema(session);
        await runStatement(session, insertCheckpoint, [projection.name, projection.version]);
        const tables = projection.tables === undefined ? null : [...projection.tables];
        const { rows } = await runStatement<{ generation: number }>(session, recordProjectionTables, [projection.name, tables]);
        const generation = rows[0]!.generation;
        await generations.setUp(session, projection, generation);
        if (tables !== null) await generations.expose(session, projection.name, generation, tables);
        return (await readCheckpointsIn(session, [projection.name]))[0]!;
      });
    },

    readCheckpoints: (names) => readCheckpointsIn(client, names),

    async commitBatch(name, from, to, apply, options = {}) {
      const { deadLetters = [], generation } = options;
      const move = generation === undefined ? { name, cursor: to.cursor, lastEventAt: to.lastEventAt } : undefined;
      await batches.run({
        name,
        generation,
        from,
        to: to.cursor,
        lastEventAt: to.lastEventAt,
        // under a lease of this store the move is fenced by its grant (none while a grant is being asked for)
        fence: leases.fence(name),
        // other processes hear of a live move from its claim, at commit; nobody else shares a database in this process
        announcement: move === undefined || client.capabilities.inProcess ? undefined : encodeMove(move),
        apply,
        after: async (session) => {
          if (deadLetters.length > 0) await runStatement(session, insertDeadLetters, [name, JSON.stringify(deadLetters.map(toDeadLetterRow))]);
        },
      });
      // this process hears of it now (its claim's echo through LISTEN is dropped as its own); a rebuild's move says nothing readers use
      if (move === undefined) notifications.checkpointMoved(undefined);
      else client.notifyThisProcess(checkpointsChannel, encodeMove(move));
    },

    async setPaused(name, paused) {
      const { rowCount } = await runStatement(client, setProjectionPaused, [name, paused]);
      if (rowCount === 0) throw new NotFound('projection', name);
      notifications.operatorChanged();
    },

    ...postgresRebuilds(client, generations, notifications),
    ...postgresDeadLetters(client, generations, notifications),

    tryAcquireLease: (name) => leases.tryAcquire(name),

    subscribe: (listener) => subscriptions.subscribe((payload) => listener(decodeMoves(payload))),
    subscribeToControl: (listener) => controlSubscriptions.subscribe(() => listener()),

    /** Ends this store's subscriptions and its lease connection (its leases expire unless released first); the client stays open. */
    async close() {
      subscriptions.endAll();
      controlSubscriptions.endAll();
      await leases.close();
    },
  };
}
