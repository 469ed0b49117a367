// A process manager's batch reads its instances' states by the whole primary key, however many instances the
// process has and whatever the planner's statistics say: its cost must not grow with the history. Written as
// `instance = ANY($2)` beside the process, the shop's benchmark found it reading all 1,123 instances of its process
// and filtering them, 1 ms a batch and growing, because the table had not been analyzed yet.
import { describe, expect, it } from 'vitest';
import type { PostgresClient } from './postgres-client.js';
import { explainPrepared, nodesOf, sqlLiteral, useMigratedDatabase, type PlanNode } from './query-plan.fixture.js';
import { readProcessBatch } from './statements/read-process-batch.js';
import { registerProcessManager } from './statements/register-process-manager.js';

async function addStates(client: PostgresClient, process: string, from: number, to: number): Promise<void> {
  await client.query(
    `INSERT INTO twofold_process_states (process, instance, state, last_position)
     SELECT $1, 'order-' || n, jsonb_build_object('open', true), n FROM generate_series($2::int, $3::int) AS n`,
    [process, from, to],
  );
}

const client = useMigratedDatabase(async (migrated) => {
  await migrated.query(registerProcessManager.text, ['orders']);
  // autovacuum analyzes a table only after many changes: until then the planner guesses
  await migrated.query('ALTER TABLE twofold_process_states SET (autovacuum_enabled = false)');
  await addStates(migrated, 'orders', 1, 1_100);
  await addStates(migrated, 'otherProcess', 1, 100);
});

const batch = ['order-7', 'order-500', 'order-1099', 'order-missing', 'order-123'];

/** The nodes of the plan that touch the states table or its index, as a prepared statement runs it for the batch. */
async function statesNodes(planMode: 'force_custom_plan' | 'force_generic_plan'): Promise<PlanNode[]> {
  const literals = [sqlLiteral('orders'), `ARRAY[${batch.map(sqlLiteral).join(', ')}]::text[]`];
  const plan = await explainPrepared(client(), readProcessBatch, { types: ['text', 'text[]'], literals, planMode });
  return nodesOf(plan).filter((node) => node['Relation Name'] === 'twofold_process_states' || node['Index Name'] === 'twofold_process_states_pkey');
}

async function expectLookupsByKey(): Promise<void> {
  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
    const nodes = await statesNodes(mode);
    expect(nodes.length, mode).toBeGreaterThan(0);
    for (const node of nodes) {
      // the instance is part of the index lookup, and no row of the process is read only to be thrown away
      expect(node['Index Cond'] ?? node['Recheck Cond'] ?? '', `${mode}: ${node['Node Type']}`).toMatch(/instance/);
      expect(node['Rows Removed by Filter'] ?? 0, `${mode}: ${node['Node Type']}`).toBe(0);
    }
  }
}

describe('a process manager batch', () => {
  it('reads its instances by key before the states table is analyzed, after, and once the history grew', async () => {
    await expectLookupsByKey();
    await client().query('ANALYZE twofold_process_states');
    await expectLookupsByKey();
    await addStates(client(), 'orders', 1_101, 100_000);
    await expectLookupsByKey();
  });

  it('finds the states that exist, and still answers the checkpoint when none does', async () => {
    const found = await client().query<{ instance: string | null; last_position: string | null }>(readProcessBatch.text, ['orders', batch]);
    expect(found.rows.map((row) => row.instance).sort()).toEqual(['order-1099', 'order-123', 'order-500', 'order-7']);
    expect(found.rows.find((row) => row.instance === 'order-7')?.last_position).toBe('7');
    const none = await client().query<{ instance: string | null; reacted_through_position: string }>(readProcessBatch.text, ['orders', ['order-missing']]);
    expect(none.rows).toEqual([expect.objectContaining({ instance: null, reacted_through_position: '0' })]);
    expect((await client().query(readProcessBatch.text, ['unregistered', batch])).rows).toEqual([]);
  });
});
