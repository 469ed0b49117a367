// Projection administration on PostgreSQL and PGlite: dead letters, pause, and blue/green rebuilds behind views.
import { createProjectionDaemon, type EventStore, type ProjectionDefinition } from '@twofold/core';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { postgresEventStore } from './postgres-event-store.js';
import type { PostgresClient } from './postgres-client.js';
import { generationSchema, postgresProjectionStore } from './postgres-projection-store.js';
import { sqlBackends } from './sql-backends.fixture.js';
import type { SqlSession } from './sql-client.js';

/** Keeps the values of each stream in a table; throws on values in `poison`. */
const tally = (poison: Set<number>, version = 1): ProjectionDefinition<SqlSession> => ({
  name: 'tally',
  version,
  handles: ['Added'],
  tables: ['tally_values'],
  setup: async (session) => {
    await session.query('CREATE TABLE IF NOT EXISTS tally_values (stream_id text NOT NULL, value integer NOT NULL, position bigint PRIMARY KEY)');
  },
  apply: async (events, session) => {
    for (const event of events) {
      const value = (event.data as { value: number }).value;
      if (poison.has(value)) throw new Error(`cannot take ${value}`);
      await session.query('INSERT INTO tally_values (stream_id, value, position) VALUES ($1, $2, $3)', [event.streamId, value, event.globalPosition]);
    }
  },
});

const until = async (check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};


describe.each(sqlBackends)('projection administration on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(poison = new Set<number>()) {
    const { client, drop } = await backend.open();
    await migrate(client);
    const eventStore: EventStore = postgresEventStore(client);
    const projectionStore = postgresProjectionStore(client);
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [tally(poison)], pollIntervalMs: 20, retryBackoffMs: 1, batchSize: 50 });
    cleanups.push(drop, () => client.close(), () => projectionStore.close(), () => eventStore.close(), () => daemon.stop());
    const add = (stream: string, value: number) => eventStore.appendToStream(stream, [{ type: 'Added', data: { value } }], { expectedVersion: 'any' });
    const values = async (c: PostgresClient = client) =>
      (await c.query<{ stream_id: string; value: number }>('SELECT stream_id, value FROM tally_values ORDER BY position')).rows.map((r) => `${r.stream_id}:${r.value}`);
    const caughtUp = async (position: number) => (await projectionStore.readCheckpoints(['tally']))[0]?.cursor.position === position;
    return { client, eventStore, projectionStore, daemon, add, values, caughtUp, poison };
  }

  it('parks a poison event with its stream’s later events in a table, and retries them in order after the fix', async () => {
    const { projectionStore, daemon, add, values, caughtUp, poison } = await setup(new Set([13]));
    await add('a', 1);
    await add('a', 13);
    await add('b', 5);
    const last = await add('a', 2);
    daemon.start();
    await until(() => caughtUp(last.position));
    expect(await values()).toEqual(['a:1', 'b:5']);
    const letters = await projectionStore.readDeadLetters('tally');
    expect(letters.map((l) => [l.event.streamId, (l.event.data as { value: number }).value])).toEqual([
      ['a', 13],
      ['a', 2],
    ]);
    expect(letters[0]!.event.recordedAt).toBeInstanceOf(Date);
    expect((await projectionStore.readCheckpoints(['tally']))[0]?.deadLetterCount).toBe(2);

    poison.clear();
    await projectionStore.requestDeadLetterRetry('tally');
    await until(async () => (await projectionStore.readDeadLetters('tally')).length === 0);
    // now as a build without the poison would have it
    expect(await values()).toEqual(['a:1', 'a:13', 'b:5', 'a:2']);
  });

  it('tells runners about operators\' changes, not about batches, and a paused runner resumes on that alone', async () => {
    const { eventStore, projectionStore, add, values, caughtUp } = await setup();
    let control = 0;
    const unsubscribe = projectionStore.subscribeToControl(() => control++);
    cleanups.push(async () => unsubscribe());
    // polling every minute: only notifications can move this daemon
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [tally(new Set())], pollIntervalMs: 60_000 });
    cleanups.push(() => daemon.stop());
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints(['tally'])).length === 1);
    await new Promise((r) => setTimeout(r, 100)); // a listener may be woken once when it starts listening
    const before = control;
    const first = await add('a', 1);
    await until(() => caughtUp(first.position));
    await new Promise((r) => setTimeout(r, 100));
    expect(control).toBe(before); // a batch is no operator's change

    await projectionStore.setPaused('tally', true);
    await until(async () => control > before && daemon.statuses()[0]?.state === 'paused', 5_000);
    const second = await add('a', 2);
    await new Promise((r) => setTimeout(r, 150));
    expect(await values()).toEqual(['a:1']);
    await projectionStore.setPaused('tally', false);
    await until(() => caughtUp(second.position), 5_000);
    expect(await values()).toEqual(['a:1', 'a:2']);
  });

  it('applies nothing while paused', async () => {
    const { projectionStore, daemon, add, values, caughtUp } = await setup();
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints(['tally'])).length === 1);
    await projectionStore.setPaused('tally', true);
    await until(async () => daemon.statuses()[0]?.state === 'paused');
    const appended = await add('a', 1);
    await new Promise((r) => setTimeout(r, 150));
    expect(await values()).toEqual([]);
    await projectionStore.setPaused('tally', false);
    await until(() => caughtUp(appended.position));
    expect(await values()).toEqual(['a:1']);
  });

  it('rebuilds beside the live tables under writes: readers never see fewer rows, and then see a fresh build', async () => {
    const { client, projectionStore, daemon, add, values, caughtUp } = await setup();
    for (let i = 0; i < 300; i++) await add(`s-${i % 7}`, i);
    daemon.start();
    await until(() => caughtUp(300));
    const before = (await values()).length;
    const old = generationSchema('tally', 1);
    await projectionStore.requestRebuild('tally', 1);
    let written = 300;
    let fewest = Number.POSITIVE_INFINITY;
    while ((await projectionStore.readCheckpoints(['tally']))[0]?.rebuild !== undefined) {
      await add(`s-${written % 7}`, written);
      written++;
      fewest = Math.min(fewest, (await values()).length);
    }
    expect(fewest).toBeGreaterThanOrEqual(before);
    expect((await projectionStore.readCheckpoints(['tally']))[0]).toMatchObject({ generation: 2, version: 1 });
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM information_schema.schemata WHERE schema_name = $1', [old]);
    expect(Number(rows[0]!.n)).toBe(0);
    await until(() => caughtUp(written));
    const expected = Array.from({ length: written }, (_, i) => `s-${i % 7}:${i}`);
    expect(await values()).toEqual(expected);
  });

  it('refuses to rebuild a projection that does not declare its tables', async () => {
    const { projectionStore } = await setup();
    await projectionStore.prepare({ name: 'bare', version: 1, handles: [], apply: async () => {} });
    await expect(projectionStore.requestRebuild('bare', 1)).rejects.toThrow(/does not declare its tables/);
  });
});
