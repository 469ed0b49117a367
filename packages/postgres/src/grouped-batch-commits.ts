// Read models' batches that commit at the same time share a transaction and claim their checkpoints in one statement;
// then each applies its rows under its own generation's search path. Statements per shared transaction: BEGIN, one
// claim, a SET LOCAL and the rows per read model, COMMIT (it was a claim and a reset of the search path more each).
import { CheckpointMoved, type LogCursor } from '@twofold/core';
import { preparingTemplates } from './prepared-templates.js';
import { runStatement, type PreparingSqlSession } from './postgres-client.js';
import type { DeclaredTables, ProjectionGenerations } from './projection-generations.js';
import type { SqlSession } from './sql-client.js';
import type { RunTogether } from './transaction-group.js';
import { moveCheckpoints } from './statements/move-checkpoints.js';
import { moveRebuildCheckpoint } from './statements/move-rebuild-checkpoint.js';

/** One read model's batch, as commitBatch was given it. */
export interface PendingBatch {
  readonly name: string;
  /** A rebuild's generation, or undefined for the live one. */
  readonly generation: number | undefined;
  readonly from: LogCursor;
  readonly to: LogCursor;
  readonly lastEventAt: Date | undefined;
  /** The fencing token of the lease the batch runs under, or null for none. */
  readonly fence: number | null;
  /** A live batch's notification to other processes, sent by its claim (delivered at commit); undefined for none. */
  readonly announcement: string | undefined;
  readonly apply: (session: PreparingSqlSession) => Promise<void>;
  /** Runs after apply, in the same transaction: the dead letters of the batch. */
  readonly after: (session: SqlSession) => Promise<void>;
}

interface Claim {
  readonly generation: number;
  readonly tables: DeclaredTables;
}

type ClaimRow = Claim & { readonly name: string };

const claimOf = (row: { generation: number; tables: DeclaredTables } | undefined): Claim | undefined =>
  row === undefined ? undefined : { generation: row.generation, tables: row.tables };

/**
 * Claims every batch's checkpoint of a round first, under the session's default search path (the live ones in one statement,
 * rebuilds one by one), so that those statements keep their plans; then runs the batches that declare no tables
 * (before any SET LOCAL moved the search path) and then each of the others under its generation's schema.
 */
export function groupedBatchCommits(generations: ProjectionGenerations): RunTogether<PendingBatch> {
  /** Live batches of distinct read models, in one statement. */
  async function claimLive(session: SqlSession, chosen: readonly PendingBatch[]): Promise<Map<string, ClaimRow>> {
    const { rows } = await runStatement<ClaimRow>(session, moveCheckpoints, [
      chosen.map((b) => b.name),
      chosen.map((b) => b.from.transactionId),
      chosen.map((b) => b.from.position),
      chosen.map((b) => b.to.transactionId),
      chosen.map((b) => b.to.position),
      chosen.map((b) => b.lastEventAt?.toISOString() ?? null),
      chosen.map((b) => b.fence),
      chosen.map((b) => b.announcement ?? null),
    ]);
    return new Map(rows.map((row) => [row.name, row]));
  }

  async function claimAll(session: SqlSession, batches: readonly PendingBatch[]): Promise<(Claim | undefined)[]> {
    const claims: (Claim | undefined)[] = new Array<Claim | undefined>(batches.length).fill(undefined);
    const together = new Set<number>();
    const seen = new Set<string>();
    batches.forEach((batch, i) => {
      if (batch.generation === undefined && !seen.has(batch.name)) {
        seen.add(batch.name);
        together.add(i);
      }
    });
    if (together.size > 0) {
      const moved = await claimLive(session, [...together].map((i) => batches[i]!));
      for (const i of together) claims[i] = claimOf(moved.get(batches[i]!.name));
    }
    // a rebuild's batch, or a second batch of one read model in the same transaction: a statement of its own, in queue order
    for (let i = 0; i < batches.length; i++) {
      if (together.has(i)) continue;
      const batch = batches[i]!;
      if (batch.generation === undefined) {
        claims[i] = claimOf((await claimLive(session, [batch])).get(batch.name));
        continue;
      }
      const fromAndTo = [batch.from.transactionId, batch.from.position, batch.to.transactionId, batch.to.position, batch.lastEventAt ?? null, batch.fence];
      const moved = await runStatement<Claim>(session, moveRebuildCheckpoint, [batch.name, batch.generation, ...fromAndTo]);
      claims[i] = moved.rowCount === 1 ? claimOf(moved.rows[0]) : undefined;
    }
    return claims;
  }

  return async (session, batches, joining) => {
    // a round joining a transaction finds the search path where the round before it left it
    if (joining) await session.query('SET LOCAL search_path TO DEFAULT');
    const claims = await claimAll(session, batches);
    // the batches without tables first, while the search path is still the default one
    const order = batches.map((_, i) => i).filter((i) => claims[i] !== undefined);
    order.sort((a, b) => Number(claims[a]!.tables !== null) - Number(claims[b]!.tables !== null));
    let ran = 0;
    for (const i of order) {
      const { generation, tables } = claims[i]!;
      const batch = batches[i]!;
      // a batch without tables after another (whose apply may have moved it) gets the default path back
      if (tables === null && ran > 0) await session.query('SET LOCAL search_path TO DEFAULT');
      await generations.use(session, batch.name, generation, tables);
      await batch.apply(preparingTemplates(session));
      await batch.after(session);
      ran++;
    }
    // a batch whose checkpoint another instance moved, or whose lease is no longer current, changed nothing
    return batches.map((batch, i) => (claims[i] === undefined ? new CheckpointMoved(batch.name) : undefined));
  };
}
