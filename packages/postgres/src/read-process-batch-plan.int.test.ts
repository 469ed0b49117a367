// A process manager's batch reads its instances' states by the whole primary key, however many instances the
// process has and whatever the planner's statistics say: its cost must not grow with the history. Written as
// `instance = ANY($2)` beside the process, the shop's benchmark found it reading all 1,123 instances of its process
// and filtering them, 1 ms a batch and growing, because the table had not been analyzed yet.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { readProcessBatch } from './statements/read-process-batch.js';
import { registerProcessManager } from './statements/register-process-manager.js';

let database: TestDatabase;
let client: PostgresClient;

async function addStates(process: string, from: number, to: number): Promise<void> {
  await client.query(
    `INSERT INTO twofold_process_states (process, instance, state, last_position)
     SELECT $1, 'order-' || n, jsonb_build_object('open', true), n FROM generate_series($2::int, $3::int) AS n`,
    [process, from, to],
  );
}

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Index Cond'?: string;
  readonly 'Recheck Cond'?: string;
  readonly 'Rows Removed by Filter'?: number;
  readonly Plans?: readonly PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The nodes of the plan that touch the states table or its index, as a prepared statement runs it for `instances`. */
async function statesNodes(instances: readonly string[], planMode: 'force_custom_plan' | 'force_generic_plan'): Promise<PlanNode[]> {
  return client.transaction(async (session) => {
    await session.query(`SET LOCAL plan_cache_mode = ${planMode}`);
    await session.query(`PREPARE batch_start(text, text[]) AS ${readProcessBatch.text}`);
    // EXPLAIN takes no parameters: the instances as a literal (plain test names, no quotes in them)
    const literal = `ARRAY[${instances.map((instance) => `'${instance}'`).join(', ')}]::text[]`;
    const { rows } = await session.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE batch_start('orders', ${literal})`);
    await session.query('DEALLOCATE batch_start');
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan).filter(
      (node) => node['Relation Name'] === 'twofold_process_states' || node['Index Name'] === 'twofold_process_states_pkey',
    );
  });
}

const batch = ['order-7', 'order-500', 'order-1099', 'order-missing', 'order-123'];

async function expectLookupsByKey(): Promise<void> {
  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
    const nodes = await statesNodes(batch, mode);
    expect(nodes.length, mode).toBeGreaterThan(0);
    for (const node of nodes) {
      // the instance is part of the index lookup, and no row of the process is read only to be thrown away
      expect(node['Index Cond'] ?? node['Recheck Cond'] ?? '', `${mode}: ${node['Node Type']}`).toMatch(/instance/);
      expect(node['Rows Removed by Filter'] ?? 0, `${mode}: ${node['Node Type']}`).toBe(0);
    }
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  client = createPgClient(database.url);
  await migrate(client);
  await client.query(registerProcessManager.text, ['orders']);
  // autovacuum analyzes a table only after many changes: until then the planner guesses
  await client.query('ALTER TABLE twofold_process_states SET (autovacuum_enabled = false)');
  await addStates('orders', 1, 1_100);
  await addStates('otherProcess', 1, 100);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

describe('a process manager batch', () => {
  it('reads its instances by key before the states table is analyzed, after, and once the history grew', async () => {
    await expectLookupsByKey();
    await client.query('ANALYZE twofold_process_states');
    await expectLookupsByKey();
    await addStates('orders', 1_101, 100_000);
    await expectLookupsByKey();
  });

  it('finds the states that exist, and still answers the checkpoint when none does', async () => {
    const found = await client.query<{ instance: string | null; last_position: string | null }>(readProcessBatch.text, ['orders', batch]);
    expect(found.rows.map((row) => row.instance).sort()).toEqual(['order-1099', 'order-123', 'order-500', 'order-7']);
    expect(found.rows.find((row) => row.instance === 'order-7')?.last_position).toBe('7');
    const none = await client.query<{ instance: string | null; reacted_through_position: string }>(readProcessBatch.text, ['orders', ['order-missing']]);
    expect(none.rows).toEqual([expect.objectContaining({ instance: null, reacted_through_position: '0' })]);
    expect((await client.query(readProcessBatch.text, ['unregistered', batch])).rows).toEqual([]);
  });
});
