// An append's commit holds no lock that other notifying commits (a projector announcing its checkpoints) wait for.
// PostgreSQL serializes the commits of transactions that NOTIFY on one lock, held through the commit's WAL flush: an
// append that notified from its own statement made every projector commit wait for its flush (measured: bursts of
// 100-375 ms when a flush was slow). Here the appends' flushes are made slow on purpose (commit_delay).
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { eventsChannel, postgresEventStore } from './postgres-event-store.js';

const slowFlushMs = 100;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest of 20 commits of a projector's kind: it announces its checkpoints with NOTIFY and does not wait for its own flush. */
async function longestNotifyingCommit(projector: PostgresClient): Promise<number> {
  let longest = 0;
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    await projector.transaction((session) => session.query(`SELECT pg_notify('twofold_test_checkpoints', 'moved')`));
    longest = Math.max(longest, performance.now() - started);
    await pause(7);
  }
  return longest;
}

/** longestNotifyingCommit, measured once `background` (which loops until told to stop) has run for a slow flush. */
async function longestNotifyingCommitBeside(projector: PostgresClient, background: (running: () => boolean) => Promise<void>): Promise<number> {
  let running = true;
  const loop = background(() => running);
  try {
    await pause(slowFlushMs);
    return await longestNotifyingCommit(projector);
  } finally {
    running = false;
    await loop;
  }
}

describe('an append’s commit and other notifying commits', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await database?.drop();
  });

  it('never makes a notifying commit wait for an append’s slow flush, and other processes still hear of the append', async () => {
    // every commit of the writer's sessions sleeps slowFlushMs before its WAL flush (commit_siblings 0: always)
    const writer = createPgClient({ connectionString: database.url, max: 4, options: `-c commit_delay=${slowFlushMs * 1_000} -c commit_siblings=0` });
    const projector = createPgClient({ connectionString: database.url, max: 2, options: '-c synchronous_commit=off' });
    const listener = createPgClient({ connectionString: database.url, max: 1 });
    clients.push(writer, projector, listener);
    await migrate(writer);
    const heard: (string | undefined)[] = [];
    listener.listen(eventsChannel, (payload) => heard.push(payload));
    await pause(200);

    const store = postgresEventStore(writer);
    const longest = await longestNotifyingCommitBeside(projector, async (running) => {
      let n = 0;
      while (running()) await Promise.all([0, 1, 2].map((k) => store.appendToStream(`s-${k}`, [{ type: 'Appended', data: { n: n++ } }], { expectedVersion: 'any' })));
    });
    await store.close();
    // the appends' commits each slept 100 ms, back to back; waiting for one, a commit would take more than half that
    expect(longest).toBeLessThan(slowFlushMs / 2);
    const deadline = Date.now() + 5_000;
    while (!heard.some((payload) => payload !== undefined) && Date.now() < deadline) await pause(20);
    expect(heard.some((payload) => payload !== undefined)).toBe(true);
  }, 30_000);

  it('sends the NOTIFY that tells other processes in a transaction that writes nothing else, so it holds that lock for no flush', async () => {
    const writer = createPgClient({ connectionString: database.url, max: 2, options: `-c commit_delay=${slowFlushMs * 1_000} -c commit_siblings=0` });
    const projector = createPgClient({ connectionString: database.url, max: 2, options: '-c synchronous_commit=off' });
    clients.push(writer, projector);
    // nothing else commits meanwhile, so no other flush takes the NOTIFYs' commit records along with it
    const longest = await longestNotifyingCommitBeside(projector, async (running) => {
      while (running()) {
        writer.notify('twofold_test_events', 'appended');
        await pause(3);
      }
    });
    expect(longest).toBeLessThan(slowFlushMs / 2);
  });
});
