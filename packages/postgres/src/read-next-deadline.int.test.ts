// The dispatcher's "when is the next deadline claimable" answers exactly what a read of every pending deadline
// answers, and reads only the few deadlines at the head of the pending index however many are pending.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blocksOf, explainPrepared, useMigratedDatabase } from './query-plan.fixture.js';
import { readNextDeadline } from './statements/read-next-deadline.js';

/** The definition itself: every pending deadline, the later of its due time and the end of its claim. */
const everyPending = `SELECT min(greatest(due_at, coalesce(claimed_until, due_at))) AS next_at FROM twofold_deadlines WHERE status = 'pending'`;

const client = useMigratedDatabase();

interface DeadlineRow {
  readonly dueMinute: number;
  readonly status: 'pending' | 'fired' | 'rejected' | 'cancelled';
  /** Minutes from the due time to the end of a claim or retry pause (negative: ended before it was due); null: never claimed. */
  readonly claimedUntilOffset: number | null;
  readonly claimedBy: string | null;
}

const deadlineRow: fc.Arbitrary<DeadlineRow> = fc.record({
  dueMinute: fc.integer({ min: 0, max: 20 }),
  status: fc.constantFrom('pending', 'pending', 'pending', 'fired', 'rejected', 'cancelled'),
  claimedUntilOffset: fc.option(fc.integer({ min: -10, max: 30 }), { nil: null, freq: 2 }),
  claimedBy: fc.constantFrom(null, 'dispatcher-a'),
});

async function replaceDeadlines(rows: readonly DeadlineRow[]): Promise<void> {
  await client().query('DELETE FROM twofold_deadlines');
  await client().query(
    `INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, claimed_by, claimed_until)
     SELECT 'p/' || r.n || '/due', 'p', r.n::text, 'due', timestamptz '2026-01-01' + r.due_minute * interval '1 minute', '{}'::jsonb, 'c', 'c', 1, r.status, r.claimed_by,
            CASE WHEN r.offset_minutes IS NULL THEN NULL ELSE timestamptz '2026-01-01' + (r.due_minute + r.offset_minutes) * interval '1 minute' END
     FROM jsonb_to_recordset($1::jsonb) AS r(n int, due_minute int, status text, claimed_by text, offset_minutes int)`,
    [JSON.stringify(rows.map((row, n) => ({ n, due_minute: row.dueMinute, status: row.status, claimed_by: row.claimedBy, offset_minutes: row.claimedUntilOffset })))],
  );
}

const nextAt = async (text: string): Promise<number | null> => {
  const value = (await client().query<{ next_at: Date | null }>(text)).rows[0]?.next_at ?? null;
  return value === null ? null : new Date(value).getTime();
};

describe('the next claimable deadline', () => {
  it('is what a read of every pending deadline says, for any mix of claimed, paused, finished and untouched deadlines', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(deadlineRow, { maxLength: 12 }), async (rows) => {
        await replaceDeadlines(rows);
        const expected = await nextAt(everyPending);
        if (expected !== null) answered++;
        expect(await nextAt(readNextDeadline.text)).toBe(expected);
      }),
      { numRuns: 300 },
    );
    // not vacuous: most runs had a pending deadline to answer with
    expect(answered).toBeGreaterThan(150);
  });

  it('reads a handful of index entries with 100,000 pending, before the table is analyzed and after', async () => {
    await client().query('DELETE FROM twofold_deadlines');
    await client().query('ALTER TABLE twofold_deadlines SET (autovacuum_enabled = false)');
    await client().query(
      `INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status, claimed_by, claimed_until)
       SELECT 'p/' || n || '/due', 'p', n::text, 'due', timestamptz '2026-01-01' + n * interval '1 second', '{}'::jsonb, 'c', 'c', n, 'pending',
              CASE WHEN n <= 3 THEN 'dispatcher-a' END, CASE WHEN n <= 3 THEN timestamptz '2026-01-01' + interval '1 hour' END
       FROM generate_series(1, 100000) AS n`,
    );
    for (const analyzed of [false, true]) {
      if (analyzed) await client().query('ANALYZE twofold_deadlines');
      expect(blocksOf(await explainPrepared(client(), readNextDeadline)), analyzed ? 'analyzed' : 'not analyzed').toBeLessThan(50);
      // the three being fired are due first, but the fourth, never claimed, can be claimed before their claims end
      expect(await nextAt(readNextDeadline.text)).toBe(new Date('2026-01-01T00:00:04Z').getTime());
    }
  });
});
