// The projectors' read of the log stays an index read however long the log grows: no statement of it scans the table.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { explainPrepared, nodesOf, sqlLiteral, type PlanNode } from './query-plan.fixture.js';
import { readAllNoticingHeldBack } from './statements/read-all.js';

describe('reading the log on PostgreSQL', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient(database.url);
    await migrate(client);
    // 400 transactions of 50 events, as appends write them: transaction ids as varied as a real log's; not analyzed
    // since, as a log that grew after autovacuum last looked (where the planner guessed most rows were held back)
    for (let t = 0; t < 400; t++) {
      await client.query(
        `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
         SELECT 'plan-' || i, $1::bigint, gen_random_uuid(), 'Happened', '{}'::jsonb, '{}'::jsonb FROM generate_series(0, 49) AS i`,
        [t + 1],
      );
    }
  });
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  it('says whether events are held back, and reads the next ones, through the commit-order index only', async () => {
    const { rows: last } = await client.query<{ xid: string; position: string }>(
      'SELECT transaction_id::text AS xid, global_position AS position FROM twofold_events ORDER BY global_position DESC OFFSET 5 LIMIT 1',
    );
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${readAllNoticingHeldBack.text}`, [
      last[0]!.xid,
      last[0]!.position,
      500,
      null,
      [],
    ]);
    const reads = nodesOf(rows[0]!['QUERY PLAN'][0]!.Plan).filter((node) => node['Relation Name'] === 'twofold_events');
    // the held-back flag, written as an EXISTS over transaction_id >= the horizon, scanned all 20,000 rows
    expect(reads.map((node) => node['Node Type'])).toEqual(expect.arrayContaining(['Index Only Scan']));
    expect(reads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    // the horizon is the whole server's: a transaction of another test's database holds it back for a moment
    const readNext = async () =>
      (await client.query<{ held_back: boolean; global_position: string | null }>(readAllNoticingHeldBack.text, [last[0]!.xid, last[0]!.position, 500, null, []])).rows;
    let read = await readNext();
    for (const deadline = Date.now() + 10_000; read.some((row) => row.held_back) && Date.now() < deadline; read = await readNext()) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(read.map((row) => row.held_back)).toEqual([false, false, false, false, false]);
    expect(read).toHaveLength(5);
  });

  it('reads through the index as a generic plan too, which the projector sessions run (planned once, whatever the cursor and the limit)', async () => {
    for (const [name, offset, limit] of [['near the head', 5, 500], ['from the start, a catch-up batch', 19_990, 5_000]] as const) {
      const { rows: at } = await client.query<{ xid: string; position: string }>(
        'SELECT transaction_id::text AS xid, global_position AS position FROM twofold_events ORDER BY global_position DESC OFFSET $1 LIMIT 1',
        [offset],
      );
      const plan = await explainPrepared(client, readAllNoticingHeldBack, {
        types: ['text', 'bigint', 'bigint', 'text[]', 'text[]'],
        literals: [sqlLiteral(at[0]!.xid), at[0]!.position, String(limit), 'NULL', `'{}'`],
        planMode: 'force_generic_plan',
      });
      const reads = nodesOf(plan).filter((node) => node['Relation Name'] === 'twofold_events');
      // the held-back probe and the read of the next events, both in the commit-order index
      expect(reads.map((node) => node['Node Type']).sort(), name).toEqual(['Index Only Scan', 'Index Scan']);
      expect(reads.map((node) => node['Index Name']), name).toEqual(['twofold_events_commit_order', 'twofold_events_commit_order']);
    }
  });
});
