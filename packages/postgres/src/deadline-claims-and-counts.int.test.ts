// Deadline claims and counts on PostgreSQL and PGlite: a claim takes at most its limit; the counts from the tallies
// (migration 13) are what counting every deadline by state says, for any mix of schedules, cancellations, claims,
// releases and outcomes; the deadlines finished before the migration are counted once; and the count reads the pending
// deadlines only, however many finished before them.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { postgresDeadlineStore } from './postgres-deadline-store.js';
import { blocksOf, explainPrepared, useMigratedDatabase } from './query-plan.fixture.js';
import { countDeadlines } from './statements/count-deadlines.js';
import { registerProcessManager } from './statements/register-process-manager.js';
import { writeProcessBatch } from './statements/write-process-batch.js';

const process_ = 'reminders';
/** Far from the late bound either way, so that no deadline crosses it between two counts. */
const lateAfterMs = 60_000;
const dueAt = (due: 'past' | 'future'): string => new Date(Date.now() + (due === 'past' ? -3_600_000 : 3_600_000)).toISOString();

/** Every deadline counted by state, the way the statement did before the tallies. */
async function recount(client: PostgresClient): Promise<Record<string, number>> {
  const { rows } = await client.query<{ state: string; count: string }>(
    `SELECT CASE WHEN status = 'pending' AND due_at < clock_timestamp() - $1 * interval '1 millisecond' THEN 'late' ELSE status END AS state, count(*) AS count
     FROM twofold_deadlines GROUP BY 1`,
    [lateAfterMs],
  );
  const counts: Record<string, number> = { pending: 0, late: 0, fired: 0, rejected: 0, cancelled: 0 };
  for (const row of rows) counts[row.state] = Number(row.count);
  return counts;
}

type Step =
  | { readonly kind: 'batch'; readonly schedule: readonly { readonly key: number; readonly due: 'past' | 'future'; readonly cancelledAtOnce: boolean }[]; readonly cancel: readonly number[] }
  | { readonly kind: 'fire'; readonly owner: 'a' | 'b'; readonly limit: number; readonly outcomes: readonly ('fired' | 'rejected' | 'release')[] };

const steps = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('batch' as const),
      schedule: fc.array(fc.record({ key: fc.integer({ min: 0, max: 30 }), due: fc.constantFrom('past' as const, 'future' as const), cancelledAtOnce: fc.boolean() }), { maxLength: 5 }),
      cancel: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant('fire' as const),
      owner: fc.constantFrom('a' as const, 'b' as const),
      limit: fc.integer({ min: 1, max: 6 }),
      outcomes: fc.array(fc.constantFrom('fired' as const, 'rejected' as const, 'release' as const), { minLength: 6, maxLength: 6 }),
    }),
  ),
  { minLength: 1, maxLength: 12 },
);

/** Runs the steps as the process manager's batches and the dispatcher would: a key's id is reused, so a batch moves or cancels what an earlier one scheduled. */
async function run(client: PostgresClient, runIndex: number, plan: readonly Step[]): Promise<void> {
  const store = postgresDeadlineStore(client);
  const id = (key: number): string => `${process_}/run-${runIndex}/${key}/remind`;
  let position = 0;
  for (const step of plan) {
    if (step.kind === 'batch') {
      position++;
      // one entry per id, and none of them among the cancelled (as a process manager's batch leaves them)
      const scheduled = [...new Map(step.schedule.map((s) => [s.key, s])).values()];
      const cancelled = [...new Set(step.cancel)].filter((key) => !scheduled.some((s) => s.key === key));
      const deadlines = scheduled.map((s) => ({
        id: id(s.key), process: process_, instance: `run-${runIndex}/${s.key}`, name: 'remind', due_at: dueAt(s.due), command: { type: 'Remind', data: {} },
        causation_id: 'c', correlation_id: 'c', scheduled_by: position, status: s.cancelledAtOnce ? 'cancelled' : 'pending',
      }));
      await runStatement(client, writeProcessBatch, [process_, '[]', JSON.stringify(deadlines), cancelled.map(id), 1, position]);
    } else {
      const claimed = await store.claimDue({ owner: step.owner, limit: step.limit, leaseMs: 60_000 });
      for (const [i, deadline] of claimed.entries()) {
        const outcome = step.outcomes[i]!;
        if (outcome === 'release') await store.release(deadline.id, step.owner, 0);
        else await store.finish(deadline.id, step.owner, outcome);
      }
    }
  }
}

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
] as const)('deadline claims and counts on %s', (_name, kind) => {
  let database: TestDatabase | undefined;
  let client: PostgresClient;
  beforeAll(async () => {
    if (kind === 'postgres') {
      database = await createTestDatabase(undefined, { label: 'deadline-tallies' });
      client = createPgClient(database.url);
    } else client = await createPgliteClient();
    await migrate(client);
    await client.query(registerProcessManager.text, [process_]);
  });
  afterAll(async () => {
    await client.close();
    await database?.drop();
  });

  it('a claim takes at most its limit, the earliest due first, and leaves the rest to the next claim', async () => {
    // as `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, a nested-loop semi join ran the subquery once per pending row: a claim of 1 took all 30
    await client.query(`INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status)
      SELECT 'due/' || n, 'p', n::text, 'd', now() - interval '1 hour' + n * interval '1 second', '{}'::jsonb, 'c', 'c', n, 'pending' FROM generate_series(1, 30) AS n`);
    const store = postgresDeadlineStore(client);
    const taken: string[] = [];
    for (const limit of [1, 4, 10]) {
      const batch = await store.claimDue({ owner: 'a', limit, leaseMs: 60_000 });
      expect(batch).toHaveLength(limit);
      taken.push(...batch.map((d) => d.id));
    }
    expect(taken).toEqual(Array.from({ length: 15 }, (_, i) => `due/${i + 1}`));
    expect(await store.claimDue({ owner: 'b', limit: 100, leaseMs: 60_000 })).toHaveLength(15);
  });

  it('the counts are what counting every deadline by state says, for any mix of schedules, cancellations, claims, releases and outcomes', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        await run(client, runs++, plan);
        expect(await postgresDeadlineStore(client).counts(lateAfterMs)).toEqual(await recount(client));
      }),
      { numRuns: kind === 'postgres' ? 60 : 25 },
    );
    // the runs finished and cancelled some: the tallies were exercised, not only the pending count
    const counted = await recount(client);
    expect(counted['fired']! + counted['rejected']!).toBeGreaterThan(0);
    expect(counted['cancelled']).toBeGreaterThan(0);
  });
});

describe('deadline tallies migrated onto finished deadlines', () => {
  let database: TestDatabase | undefined;
  let client: PostgresClient;
  beforeAll(async () => {
    database = await createTestDatabase(undefined, { label: 'deadline-tallies-migration' });
    client = createPgClient(database.url);
  });
  afterAll(async () => {
    await client.close();
    await database?.drop();
  });

  it('counts the deadlines that finished before migration 13 once, and those after it as they finish', async () => {
    await migrate(client, migrations.filter((m) => m.version < 13));
    await client.query(registerProcessManager.text, [process_]);
    await client.query(
      `INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status)
       SELECT 'old-' || n, $1, 'i-' || n, 'remind', now() + interval '1 hour', '{}'::jsonb, 'c', 'c', n,
              (ARRAY['pending', 'fired', 'rejected', 'cancelled'])[1 + n % 4]
       FROM generate_series(1, 40) AS n`,
      [process_],
    );
    await migrate(client);
    await migrate(client);
    const store = postgresDeadlineStore(client);
    expect(await store.counts(lateAfterMs)).toEqual({ pending: 10, late: 0, fired: 10, rejected: 10, cancelled: 10 });
    await run(client, 0, [{ kind: 'batch', schedule: [{ key: 1, due: 'past', cancelledAtOnce: false }, { key: 2, due: 'future', cancelledAtOnce: true }], cancel: [] }]);
    await run(client, 0, [{ kind: 'fire', owner: 'a', limit: 5, outcomes: ['fired', 'fired', 'fired', 'fired', 'fired', 'fired'] }]);
    expect(await store.counts(lateAfterMs)).toEqual({ pending: 10, late: 0, fired: 11, rejected: 10, cancelled: 11 });
  });
});

describe('deadline counts with 100,000 finished', () => {
  const client = useMigratedDatabase(async (migrated) => {
    await migrated.query(registerProcessManager.text, [process_]);
    await migrated.query(
      `INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, finished_at)
       SELECT 'd-' || n, $1, 'i-' || n, 'remind', now() + (n - 99000) * interval '1 second', '{}'::jsonb, 'c', 'c', n,
              CASE WHEN n > 99000 THEN 'pending' WHEN n % 2 = 0 THEN 'fired' ELSE 'cancelled' END,
              CASE WHEN n <= 99000 THEN now() END
       FROM generate_series(1, 100000) AS n`,
      [process_],
    );
    await migrated.query('ANALYZE twofold_deadlines');
  });

  it('reads the pending deadlines and the tallies, not the finished ones', async () => {
    const blocks = blocksOf(await explainPrepared(client(), countDeadlines, { types: ['integer'], literals: ['1000'] }));
    // 1,000 pending: a few index pages; every deadline would be more than a thousand pages
    expect(blocks).toBeLessThan(100);
  });
});
