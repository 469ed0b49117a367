// Rebuilds on PostgreSQL: a new generation of a projection's tables is built beside the live one, and readers switch
// to it in one transaction once it has caught up.
import { CheckpointMoved, InvalidCommand, NotFound, logStart, type ProjectionAdministration, type RebuildProgress } from '@twofold/core';
import { toDate } from './event-row.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { generationSchema, type DeclaredTables, type ProjectionGenerations } from './projection-generations.js';
import type { ProjectionNotifications } from './projection-notifications.js';
import type { SqlSession } from './sql-client.js';
import { deleteRebuild } from './statements/delete-rebuild.js';
import { dropGenerationSchema } from './statements/drop-generation-schema.js';
import { lockCaughtUpRebuild } from './statements/lock-caught-up-rebuild.js';
import { lockProjectionSetup } from './statements/lock-projection-setup.js';
import { lockRebuild } from './statements/lock-rebuild.js';
import { readProjectionGenerations } from './statements/read-projection-generations.js';
import { startRebuild } from './statements/start-rebuild.js';
import { switchToRebuiltGeneration } from './statements/switch-to-rebuilt-generation.js';
import { vacuumTable } from './statements/vacuum-table.js';

export type Rebuilds = Pick<ProjectionAdministration<SqlSession>, 'requestRebuild' | 'prepareGeneration' | 'completeRebuild'>;

export function postgresRebuilds(client: PostgresClient, generations: ProjectionGenerations, notifications: ProjectionNotifications): Rebuilds {
  async function startGeneration(session: SqlSession, name: string, version: number): Promise<RebuildProgress> {
    await runStatement(session, lockProjectionSetup, [name]);
    // before the DROP below takes the tables of the rebuild under way: a batch of it may hold its row, tables next
    await runStatement(session, lockRebuild, [name]);
    const { rows } = await runStatement<{ generation: number; tables: DeclaredTables; rebuild_generation: number | null }>(session, readProjectionGenerations, [name]);
    const row = rows[0];
    if (row === undefined) throw new NotFound('projection', name);
    if (row.tables === null) throw new InvalidCommand(`projection ${name} does not declare its tables, so it cannot be rebuilt beside the live one`, { projection: name });
    // a rebuild asked for again starts over in a fresh generation
    if (row.rebuild_generation !== null) await session.query(dropGenerationSchema(generationSchema(name, row.rebuild_generation)));
    const generation = Math.max(row.generation, row.rebuild_generation ?? 0) + 1;
    const { rows: started } = await runStatement<{ started_at: Date | string }>(session, startRebuild, [name, generation, version]);
    return { generation, version, cursor: logStart, lastEventAt: undefined, startedAt: toDate(started[0]!.started_at) };
  }

  /** Switches readers to `generation` if it and the live one are both at `at`; returns the tables switched. */
  async function switchReaders(session: SqlSession, name: string, generation: number, at: { transactionId: number; position: number }): Promise<readonly string[]> {
    await runStatement(session, lockProjectionSetup, [name]);
    const { rows } = await runStatement<{ generation: number; tables: DeclaredTables }>(session, lockCaughtUpRebuild, [name, generation, at.transactionId, at.position]);
    const row = rows[0];
    if (row === undefined) throw new CheckpointMoved(name);
    if (row.tables !== null) await generations.expose(session, name, generation, row.tables);
    await runStatement(session, switchToRebuiltGeneration, [name]);
    await runStatement(session, deleteRebuild, [name]);
    // the views now point at the new generation, so nothing depends on the old one any more
    await session.query(dropGenerationSchema(generationSchema(name, row.generation)));
    return row.tables ?? [];
  }

  return {
    async requestRebuild(name, version) {
      const progress = await client.transaction((session) => startGeneration(session, name, version));
      notifications.operatorChanged();
      return progress;
    },

    async prepareGeneration(projection, generation) {
      await client.transaction(async (session) => {
        await runStatement(session, lockProjectionSetup, [projection.name]);
        await generations.setUp(session, projection, generation);
      });
    },

    async completeRebuild(name, generation, at) {
      const switched = await client.transaction((session) => switchReaders(session, name, generation, at));
      notifications.checkpointMoved();
      // a bulk build leaves GIN indexes with long pending lists (a sku search took 10 ms instead of 1 until
      // vacuumed) and the planner without statistics: tidy the new tables now, without holding up the daemon
      void (async () => {
        for (const table of switched) await client.query(vacuumTable(generationSchema(name, generation), table));
      })().catch(() => undefined);
    },
  };
}
