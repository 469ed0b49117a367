// The log's readers leave out of their horizon the open transactions of read models that share their client: one
// daemon's batch does not hold back another's read. Any other open transaction (another client's projection store,
// a command, anything that took an xid) still does: gap safety is kept for all that may append.
import { logStart, type EventStore, type LogCursor, type ProjectionDefinition } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import { readModelTransactionsOf } from './read-model-transactions.js';
import type { SqlSession } from './sql-client.js';

const readModel = (name: string): ProjectionDefinition<SqlSession> => ({
  name,
  version: 1,
  handles: [],
  tables: [`${name}_rows`],
  setup: async (session) => void (await session.query(`CREATE TABLE IF NOT EXISTS ${name}_rows (v text)`)),
  apply: async () => {},
});

/** A batch of `name` that has claimed its checkpoint and written a row, and then waits in its transaction until told. */
function batchHeldOpen(store: ReturnType<typeof postgresProjectionStore>, name: string, from: LogCursor, to: LogCursor, fail = false) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let applying!: () => void;
  const applied = new Promise<void>((resolve) => (applying = resolve));
  const done = store.commitBatch(name, from, { cursor: to, lastEventAt: new Date() }, async (session) => {
    await session.query(`INSERT INTO ${name}_rows (v) VALUES ('held')`);
    applying();
    await released;
    if (fail) throw new Error('the batch fails');
  });
  return { applied, finish: () => (release(), done) };
}

describe('readAll on PostgreSQL: past the open transactions of read models on the same client', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  let otherClient: PostgresClient;
  let events: EventStore;
  let readModels: ReturnType<typeof postgresProjectionStore>;
  let elsewhere: ReturnType<typeof postgresProjectionStore>;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient({ connectionString: database.url, max: 8 });
    otherClient = createPgClient({ connectionString: database.url, max: 4 });
    await migrate(client);
    events = postgresEventStore(client);
    readModels = postgresProjectionStore(client);
    elsewhere = postgresProjectionStore(otherClient);
    for (const name of ['near', 'wide']) await readModels.prepare(readModel(name));
    await elsewhere.prepare(readModel('far'));
  });
  afterAll(async () => {
    await readModels?.close();
    await elsewhere?.close();
    await events?.close();
    await otherClient?.close();
    await client?.close();
    await database?.drop();
  });

  const head = async (): Promise<LogCursor> => (await events.head())?.cursor ?? logStart;
  const append = (streamId: string) => events.appendToStream(streamId, [{ type: 'Placed', data: {} }], { expectedVersion: 'any' });

  it('reads an event committed while a read model of the same client holds its transaction open', async () => {
    const start = await head();
    const wide = batchHeldOpen(readModels, 'wide', logStart, start);
    try {
      await wide.applied;
      expect(readModelTransactionsOf(client).open()).toHaveLength(1);
      await append('past-own');
      expect((await events.readAll({ after: start, limit: 10 })).map((event) => event.streamId)).toEqual(['past-own']);
    } finally {
      await wide.finish();
    }
    expect(readModelTransactionsOf(client).open()).toEqual([]);
  });

  it('forgets a read model’s transaction that rolled back', async () => {
    const from = (await readModels.readCheckpoints(['wide']))[0]!.cursor;
    const failing = batchHeldOpen(readModels, 'wide', from, await head(), true);
    await failing.applied;
    expect(readModelTransactionsOf(client).open()).toHaveLength(1);
    await expect(failing.finish()).rejects.toThrow(/the batch fails/);
    expect(readModelTransactionsOf(client).open()).toEqual([]);
  });

  it('still stops below the transaction of a read model on another client, and of anything else', async () => {
    const start = await head();
    const far = batchHeldOpen(elsewhere, 'far', logStart, start);
    await far.applied;
    await append('behind-far');
    expect(await events.readAll({ after: start, limit: 10 })).toEqual([]);
    await far.finish();
    expect((await events.readAll({ after: start, limit: 10 })).map((event) => event.streamId)).toEqual(['behind-far']);

    // a transaction of the same client that is no read model's: it might append, so it bounds the read
    const next = await head();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const other = client.transaction(async (session) => {
      await session.query('SELECT pg_current_xact_id()');
      holding();
      await released;
    });
    await held;
    // and a read model's open transaction beside it changes nothing about that
    const near = batchHeldOpen(readModels, 'near', logStart, next);
    await near.applied;
    await append('behind-other');
    expect(await events.readAll({ after: next, limit: 10 })).toEqual([]);
    release();
    await other;
    expect((await events.readAll({ after: next, limit: 10 })).map((event) => event.streamId)).toEqual(['behind-other']);
    await near.finish();
  });
});
