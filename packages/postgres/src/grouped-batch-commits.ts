// Read models' batches that commit at the same time share a transaction and claim their checkpoints in one statement;
// then they apply their rows under one search path of all their live generations' schemas (or, where names could be
// mistaken, each under its own). Statements per shared transaction: BEGIN, one claim, one SET LOCAL, the rows of
// each read model, COMMIT (it was a SET LOCAL per read model, and before that a claim and a reset of the path each).
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

type ClaimRow = Claim & { readonly name: string; readonly xid: string };

const claimOf = (row: { generation: number; tables: DeclaredTables } | undefined): Claim | undefined =>
  row === undefined ? undefined : { generation: row.generation, tables: row.tables };

/**
 * `claimedIn` hears the transaction's xid once a live claim took it (the transaction then holds it until it ends).
 * Claims every batch's checkpoint of a round first, under the session's default search path (the live ones in one statement,
 * rebuilds one by one), so that those statements keep their plans; then runs the batches that declare no tables
 * (before any SET LOCAL moved the search path), then the live ones under one path of all their schemas when
 * ProjectionGenerations.useTogether allows it, and then each of the others under its generation's schema.
 */
export function groupedBatchCommits(generations: ProjectionGenerations, claimedIn: (xid: string) => void = () => undefined): RunTogether<PendingBatch> {
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
    if (rows[0] !== undefined) claimedIn(rows[0].xid);
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
    const claimed = batches.map((_, i) => i).filter((i) => claims[i] !== undefined);
    const run = async (i: number): Promise<void> => {
      await batches[i]!.apply(preparingTemplates(session));
      await batches[i]!.after(session);
    };
    // the batches without tables first, while the search path is still the default one; a batch without tables
    // after another (whose apply may have moved it) gets the default path back
    let ran = 0;
    for (const i of claimed.filter((i) => claims[i]!.tables === null)) {
      if (ran++ > 0) await session.query('SET LOCAL search_path TO DEFAULT');
      await run(i);
    }
    // live batches under one path of all their schemas, when their names cannot be mistaken for one another: a
    // round trip for the round instead of one per read model; the others (rebuilds) each under its own
    const declaring = claimed.filter((i) => claims[i]!.tables !== null);
    const live = declaring.filter((i) => batches[i]!.generation === undefined);
    const members = live.map((i) => ({ name: batches[i]!.name, generation: claims[i]!.generation, tables: claims[i]!.tables! }));
    const together = live.length > 1 && (await generations.useTogether(session, members)) ? live : [];
    for (const i of together) await run(i);
    for (const i of declaring.filter((i) => !together.includes(i))) {
      const { generation, tables } = claims[i]!;
      await generations.use(session, batches[i]!.name, generation, tables);
      await run(i);
    }
    // a batch whose checkpoint another instance moved, or whose lease is no longer current, changed nothing
    return batches.map((batch, i) => (claims[i] === undefined ? new CheckpointMoved(batch.name) : undefined));
  };
}
