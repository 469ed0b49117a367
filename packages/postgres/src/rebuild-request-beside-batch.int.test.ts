// A rebuild asked for again while the daemon's batch of the rebuild under way is in its transaction: the batch has
// claimed the rebuild's checkpoint row and is about to write the generation's tables, which the request drops. The
// request must wait for the batch, not deadlock with it (found by the HTTP fuzzer: a 500 on POST …/rebuild).
import type { ProjectionDefinition } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import type { PostgresClient } from './postgres-client.js';
import { generationSchema, postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

const tally: ProjectionDefinition<SqlSession> = {
  name: 'tally',
  version: 1,
  handles: ['Added'],
  tables: ['tally_values'],
  setup: async (session) => void (await session.query('CREATE TABLE IF NOT EXISTS tally_values (position bigint PRIMARY KEY)')),
  apply: async () => {},
};

describe('a rebuild asked for beside a batch of the rebuild under way, on PostgreSQL', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  let store: ReturnType<typeof postgresProjectionStore>;
  let batch: pg.Client;
  let batchPid: number;
  beforeEach(async () => {
    database = await createTestDatabase();
    client = await openSqlClient(database.url);
    await migrate(client);
    store = postgresProjectionStore(client);
    await store.prepare(tally);
    batch = new pg.Client({ connectionString: database.url });
    await batch.connect();
    batchPid = (await batch.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  });
  afterEach(async () => {
    await batch.end().catch(() => undefined);
    await store.close();
    await client.close();
    await database.drop();
  });

  /** Whether some session other than the batch's waits for a lock. */
  const requestWaits = async (): Promise<boolean> => {
    const { rows } = await client.query<{ waiting: boolean }>(
      `SELECT count(*) > 0 AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
      [batchPid],
    );
    return rows[0]!.waiting;
  };

  it('waits for the batch to commit, then starts a fresh generation; the batch commits', async () => {
    const first = await store.requestRebuild('tally', 1);
    await store.prepareGeneration(tally, first.generation);

    // the daemon's rebuild batch: the claim of the rebuild's checkpoint first, then the generation's rows
    await batch.query('BEGIN');
    await batch.query(`UPDATE twofold_rebuilds SET position = position WHERE name = 'tally'`);
    const again = store.requestRebuild('tally', 1);
    again.catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while (!(await requestWaits()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await requestWaits()).toBe(true);

    await batch.query(`INSERT INTO "${generationSchema('tally', first.generation)}".tally_values (position) VALUES (1)`);
    await batch.query('COMMIT');
    const started = await again;
    expect(started.generation).toBe(first.generation + 1);
    const { rows } = await client.query<{ generation: number }>(`SELECT generation FROM twofold_rebuilds WHERE name = 'tally'`);
    expect(rows).toEqual([{ generation: first.generation + 1 }]);
  }, 20_000);
});
