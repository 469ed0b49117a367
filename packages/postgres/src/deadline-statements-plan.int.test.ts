// The statements that find deadlines by id read those rows and no others, however many deadlines are pending and
// whether or not the table was analyzed yet: a projector batch that cancels a paid order's deadline, and the
// dispatcher finishing or releasing one, must not cost more as orders awaiting payment pile up (a shop has hundreds
// of thousands of them within a half-hour payment window at Bol.com's peak). A fresh database's first minute is the
// hardest case, and every benchmark's: a few thousand pending, never analyzed, the planner guessing almost none.
import { describe, expect, it } from 'vitest';
import type { NamedStatement, PostgresClient } from './postgres-client.js';
import { blocksOf, explainPrepared, nodesOf, sqlLiteral as quoted, useMigratedDatabase, type PlanNode } from './query-plan.fixture.js';
import { finishDeadline } from './statements/finish-deadline.js';
import { registerProcessManager } from './statements/register-process-manager.js';
import { releaseDeadline } from './statements/release-deadline.js';
import { writeProcessBatch } from './statements/write-process-batch.js';

const client = useMigratedDatabase(async (migrated) => {
  await migrated.query(registerProcessManager.text, ['payments']);
  // autovacuum analyzes a table only after many changes: until then the planner guesses
  await migrated.query('ALTER TABLE twofold_deadlines SET (autovacuum_enabled = false)');
  await addPending(migrated, 1, 2_000);
});

/** Pending deadlines `from`..`to` (payments/order-<n>/due), every thousandth held by a dispatcher. */
async function addPending(session: PostgresClient, from: number, to: number): Promise<void> {
  await session.query(
    `INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, claimed_by, claimed_until)
     SELECT 'payments/order-' || n || '/due', 'payments', 'order-' || n, 'due', now() + n * interval '1 second', '{}'::jsonb, 'c', 'c', n, 'pending',
            CASE WHEN n % 1000 = 0 THEN 'dispatcher-a' END, CASE WHEN n % 1000 = 0 THEN now() + interval '1 minute' END
     FROM generate_series($1::int, $2::int) AS n`,
    [from, to],
  );
}

/** The plan of the statement run as a prepared statement with `literals`, rolled back. */
const planOf = (statement: NamedStatement, types: readonly string[], literals: readonly string[], planMode?: 'force_custom_plan' | 'force_generic_plan'): Promise<PlanNode> =>
  explainPrepared(client(), statement, { types, literals, ...(planMode === undefined ? {} : { planMode }) });

/** The indexes other than the primary key that the plan read deadlines through: each a scan of every pending deadline. */
const pendingIndexesRead = (plan: PlanNode): string[] =>
  nodesOf(plan).flatMap((node) => (node['Index Name']?.startsWith('twofold_deadlines_') === true && node['Index Name'] !== 'twofold_deadlines_pkey' ? [node['Index Name']] : []));

const statements: readonly [string, NamedStatement, readonly string[], readonly string[]][] = [
  [
    "a process manager's batch that cancels none (most batches)",
    writeProcessBatch,
    ['text', 'jsonb', 'jsonb', 'text[]', 'bigint', 'bigint'],
    [quoted('payments'), quoted(JSON.stringify([{ instance: 'order-200002', state: { open: true }, last_position: 200_002 }])), quoted('[]'), 'ARRAY[]::text[]', '1', '200002'],
  ],
  [
    "a process manager's batch that schedules one deadline and cancels two",
    writeProcessBatch,
    ['text', 'jsonb', 'jsonb', 'text[]', 'bigint', 'bigint'],
    [
      quoted('payments'),
      quoted(JSON.stringify([{ instance: 'order-200001', state: { open: true }, last_position: 200_001 }])),
      quoted(
        JSON.stringify([
          { id: 'payments/order-200001/due', process: 'payments', instance: 'order-200001', name: 'due', due_at: '2030-01-01T00:00:00Z', command: {}, causation_id: 'c', correlation_id: 'c', scheduled_by: 200_001, status: 'pending' },
        ]),
      ),
      `ARRAY[${quoted('payments/order-77/due')}, ${quoted('payments/order-99999/due')}]::text[]`,
      '1',
      '200001',
    ],
  ],
  ['finishing a fired deadline', finishDeadline, ['text', 'text', 'text', 'text'], [quoted('payments/order-5000/due'), quoted('dispatcher-a'), quoted('fired'), 'NULL']],
  ['releasing a deadline for a retry', releaseDeadline, ['text', 'text', 'integer'], [quoted('payments/order-6000/due'), quoted('dispatcher-a'), '1000']],
];

/**
 * Every statement, with the plan for its parameters and with a generic one, finds deadlines by primary key, never
 * through a pending-deadlines index; with `blocksBelow`, it also touches fewer blocks than that (a table of a few
 * pages may be scanned whole: cheaper than its index, and bounded by its size, not by a guess).
 */
async function expectEachReadsOnlyItsRows(blocksBelow?: number): Promise<void> {
  for (const [what, statement, types, params] of statements) {
    for (const planMode of [undefined, 'force_generic_plan'] as const) {
      const plan = await planOf(statement, types, params, planMode);
      const described = planMode === undefined ? what : `${what}, generic plan`;
      expect(pendingIndexesRead(plan), described).toEqual([]);
      if (blocksBelow !== undefined) expect(blocksOf(plan), described).toBeLessThan(blocksBelow);
    }
  }
}

// in order: the table grows from 2,000 pending to 100,000 and is analyzed last
describe('deadline statements by id', () => {
  it('read only their rows with 2,000 pending, before the table is analyzed, with the plan for their parameters or a generic one', async () => {
    await expectEachReadsOnlyItsRows();
  });

  it('read only their rows with 100,000 pending, still not analyzed', async () => {
    await addPending(client(), 2_001, 100_000);
    await expectEachReadsOnlyItsRows(60);
  });

  it('read only their rows with 100,000 pending once the table is analyzed', async () => {
    await client().query('ANALYZE twofold_deadlines');
    await expectEachReadsOnlyItsRows(60);
  });
});
