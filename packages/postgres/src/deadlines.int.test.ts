// Process managers and deadlines on PostgreSQL and PGlite: deadlines commit with the checkpoint, replays are muted,
// concurrent claimers never take one deadline twice, and a claim lost with its holder is taken over after the lease.
import { cancel, createProjectionDaemon, schedule, sleep, type Event, type ProcessManager, type StoredEvent } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresDeadlineStore } from './postgres-deadline-store.js';
import { postgresEventStore } from './postgres-event-store.js';
import { postgresProcessManager } from './postgres-process-manager.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import { claimDueDeadlines } from './statements/claim-due-deadlines.js';

type TaskEvent = Event<'TaskOpened', { id: string; dueAt: string }> | Event<'TaskClosed', { id: string }>;
const tasks: ProcessManager<{ open: boolean }, TaskEvent> = {
  name: 'taskReminders',
  handles: ['TaskOpened', 'TaskClosed'],
  instanceOf: (event) => event.data.id,
  initialState: { open: false },
  evolve: (_state, event) => ({ open: event.type === 'TaskOpened' }),
  react: (state, event) =>
    event.type === 'TaskOpened' ? [schedule('remind', new Date(event.data.dueAt), { type: 'RemindTask', data: { id: event.data.id } })] : state.open ? [cancel('remind')] : [],
};

const deadlineRows = async (client: PostgresClient) =>
  (await client.query<{ id: string; status: string }>(`SELECT id, status FROM twofold_deadlines ORDER BY id`)).rows.map((row) => [row.id, row.status]);

async function runToHead(client: PostgresClient): Promise<void> {
  const eventStore = postgresEventStore(client);
  const projectionStore = postgresProjectionStore(client);
  const definition = postgresProcessManager(tasks);
  await projectionStore.prepare(definition);
  const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [definition], pollIntervalMs: 20 });
  daemon.start();
  const head = (await eventStore.head())!.cursor.position;
  for (let waited = 0; (daemon.statuses()[0]?.cursor?.position ?? 0) < head; waited += 20) {
    if (waited > 10_000) throw new Error('the process manager did not catch up');
    await sleep(20);
  }
  await daemon.stop();
  await projectionStore.close();
}

describe('a process manager on PGlite', () => {
  let client: PostgresClient;
  beforeAll(async () => {
    client = await createPgliteClient();
    await migrate(client);
  });
  afterAll(() => client?.close());

  it('schedules and cancels with its checkpoint, within one batch and across batches, and mutes a replay', async () => {
    const store = postgresEventStore(client);
    const due = new Date(Date.now() + 60_000).toISOString();
    await store.appendToStream('task-a', [{ type: 'TaskOpened', data: { id: 'a', dueAt: due } }], { expectedVersion: 'no_stream' });
    await store.appendToStream('task-b', [{ type: 'TaskOpened', data: { id: 'b', dueAt: due } }, { type: 'TaskClosed', data: { id: 'b' } }], { expectedVersion: 'no_stream' });
    await runToHead(client);
    expect(await deadlineRows(client)).toEqual([
      ['taskReminders/a/remind', 'pending'],
      ['taskReminders/b/remind', 'cancelled'],
    ]);
    await store.appendToStream('task-a', [{ type: 'TaskClosed', data: { id: 'a' } }], { expectedVersion: 1 });
    await runToHead(client);
    expect(await deadlineRows(client)).toEqual([
      ['taskReminders/a/remind', 'cancelled'],
      ['taskReminders/b/remind', 'cancelled'],
    ]);

    // a replay from the start of the log (states and checkpoint reset, a rebuild) folds the states and schedules nothing
    await client.query(`DELETE FROM twofold_deadlines`);
    await client.query(`DELETE FROM twofold_process_states`);
    await client.query(`DELETE FROM twofold_checkpoints WHERE name = 'taskReminders'`);
    await store.appendToStream('task-c', [{ type: 'TaskOpened', data: { id: 'c', dueAt: due } }], { expectedVersion: 'no_stream' });
    await runToHead(client);
    expect(await deadlineRows(client)).toEqual([['taskReminders/c/remind', 'pending']]);
    const states = (await client.query<{ instance: string; state: unknown }>(`SELECT instance, state FROM twofold_process_states ORDER BY instance`)).rows;
    expect(states).toEqual([
      { instance: 'a', state: { open: false } },
      { instance: 'b', state: { open: false } },
      { instance: 'c', state: { open: true } },
    ]);
  });
});

describe('deadline claims on PostgreSQL', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 3; i++) clients.push(createPgClient({ connectionString: database.url, max: 4 }));
    await migrate(clients[0]!);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await database?.drop();
  });

  it('never gives one deadline to two concurrent claimers, and gives a dead holder’s claim to another after its lease', async () => {
    const [writer, a, b] = clients as [PostgresClient, PostgresClient, PostgresClient];
    const rows = Array.from({ length: 200 }, (_, i) => ({
      id: `p/${i}/d`, process: 'p', instance: String(i), name: 'd', due_at: new Date(Date.now() - 1_000 + i).toISOString(),
      command: { type: 'Noop', data: {} }, causation_id: 'e', correlation_id: 'c', scheduled_by: i + 1, status: 'pending',
    }));
    await writer.query(`INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status)
      SELECT id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status
      FROM jsonb_to_recordset($1::jsonb) AS r(id text, process text, instance text, name text, due_at timestamptz, command jsonb, causation_id text, correlation_id text, scheduled_by bigint, status text)`, [JSON.stringify(rows)]);
    const stores = [postgresDeadlineStore(a), postgresDeadlineStore(b)];
    const claimed = new Map<string, string>();
    // both sessions open before either claims, and each lets the other in between its batches: on a loaded machine
    // one claimer could otherwise take all 200 before the other's first statement, and the race would not be tested
    await Promise.all([a.query('SELECT 1'), b.query('SELECT 1')]);
    await Promise.all(
      stores.map(async (store, index) => {
        for (;;) {
          const batch = await store.claimDue({ owner: `owner-${index}`, limit: 7, leaseMs: 60_000 });
          if (batch.length === 0) return;
          for (const deadline of batch) {
            expect(claimed.has(deadline.id), deadline.id).toBe(false);
            claimed.set(deadline.id, `owner-${index}`);
          }
          await sleep(2);
        }
      }),
    );
    expect(claimed.size).toBe(200);
    expect(new Set(claimed.values()).size).toBe(2);

    // owner-0 "dies" holding its claims: nobody else takes them until the lease ends
    const held = [...claimed].filter(([, owner]) => owner === 'owner-0').map(([id]) => id);
    await writer.query(`UPDATE twofold_deadlines SET claimed_until = clock_timestamp() + interval '200 milliseconds' WHERE id = ANY($1::text[])`, [held]);
    expect(await stores[1]!.claimDue({ owner: 'owner-1', limit: 500, leaseMs: 60_000 })).toEqual([]);
    await sleep(300);
    const takenOver = await stores[1]!.claimDue({ owner: 'owner-1', limit: 500, leaseMs: 60_000 });
    expect(takenOver.map((d) => d.id).sort()).toEqual([...held].sort());
    expect(takenOver.every((d) => d.attempts === 2)).toBe(true);
    // the dead holder's late report is refused; the new holder's is recorded
    expect(await stores[0]!.finish(held[0]!, 'owner-0', 'fired')).toBe(false);
    expect(await stores[1]!.finish(held[0]!, 'owner-1', 'fired')).toBe(true);
    expect(await stores[1]!.counts(1_000)).toMatchObject({ fired: 1, late: 199 });
  });

  it('claims through the pending index: thousands of deadlines not yet due cost a claim nothing', async () => {
    const [writer] = clients as [PostgresClient];
    await writer.query(`INSERT INTO twofold_deadlines (id, process, instance, name, due_at, command, causation_id, correlation_id, scheduled_by, status)
      SELECT 'later/' || i, 'later', i::text, 'remind', now() + interval '30 minutes', '{}'::jsonb, 'c', 'c', i, 'pending' FROM generate_series(1, 5000) AS i`);
    await writer.query('ANALYZE twofold_deadlines');
    const { rows } = await writer.query<{ 'QUERY PLAN': { Plan: unknown }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${claimDueDeadlines.text}`, ['planner', 1_000, 10]);
    const nodes: { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows'?: number; 'Rows Removed by Filter'?: number }[] = [];
    const walk = (node: { Plans?: unknown[] } & (typeof nodes)[number]): void => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child as typeof node);
    };
    walk(rows[0]!['QUERY PLAN'][0]!.Plan as Parameters<typeof walk>[0]);
    const reads = nodes.filter((node) => node['Relation Name'] === 'twofold_deadlines' && node['Node Type'] !== 'ModifyTable');
    // the deadlines not due are never read (a bound evaluated per row, clock_timestamp(), scanned all 5,000); the
    // 199 due ones the test before left claimed are
    expect(reads.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(reads.reduce((sum, node) => sum + (node['Rows Removed by Filter'] ?? 0), 0)).toBeLessThan(1_000);
  });
});
