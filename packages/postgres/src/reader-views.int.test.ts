// The readers' views of a projection's tables: made again at a start only when they do not show the live generation's
// tables as they are, so a projector restarting under reads takes no lock those reads hold against it.
import type { ProjectionDefinition } from '@twofold/core';
import { createTestDatabase } from '@twofold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { openSqlClient } from './open-sql-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import { sqlBackends } from './sql-backends.fixture.js';
import type { SqlSession } from './sql-client.js';

const notes = (extraColumn?: string): ProjectionDefinition<SqlSession> => ({
  name: 'notes',
  version: 1,
  handles: ['Noted'],
  tables: ['notes', 'note_tags'],
  setup: async (session) => {
    await session.query('CREATE TABLE IF NOT EXISTS notes (id text PRIMARY KEY, body text NOT NULL)');
    await session.query('CREATE TABLE IF NOT EXISTS note_tags (id text NOT NULL, tag text NOT NULL)');
    // a later release's setup adds a column to the live generation's table
    if (extraColumn !== undefined) await session.query(`ALTER TABLE notes ADD COLUMN IF NOT EXISTS ${extraColumn} text`);
  },
  apply: async () => {},
});


/** A projector starting: a store of its own, which prepares the projection. */
async function startProjector(client: PostgresClient, projection: ProjectionDefinition<SqlSession>): Promise<void> {
  const store = postgresProjectionStore(client);
  try {
    await store.prepare(projection);
  } finally {
    await store.close();
  }
}

const viewOid = async (client: PostgresClient, view: string): Promise<number | undefined> =>
  (await client.query<{ oid: number }>(`SELECT c.oid::int AS oid FROM pg_class c WHERE c.oid = to_regclass($1)`, [view])).rows[0]?.oid;

describe.each(sqlBackends)('readers’ views on $name', (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open() {
    const opened = await backend.open();
    await migrate(opened.client);
    cleanups.push(opened.drop, () => opened.client.close());
    return { ...opened, start: (projection: ProjectionDefinition<SqlSession>) => startProjector(opened.client, projection) };
  }

  it('keeps the views a start finds current, and makes again those whose table gained a column', async () => {
    const { client, start } = await open();
    await start(notes());
    const [notesView, tagsView] = [await viewOid(client, 'notes'), await viewOid(client, 'note_tags')];
    expect(notesView).toBeDefined();
    await start(notes());
    expect([await viewOid(client, 'notes'), await viewOid(client, 'note_tags')]).toEqual([notesView, tagsView]);

    await start(notes('author'));
    expect(await viewOid(client, 'notes')).not.toBe(notesView);
    expect(await viewOid(client, 'note_tags')).toBe(tagsView);
    const { rows } = await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' AND table_schema = current_schema() ORDER BY ordinal_position`,
    );
    expect(rows.map((row) => row.column_name)).toEqual(['id', 'body', 'author']);
  });

  it('makes a view again when it reads something other than the live generation’s table', async () => {
    const { client, start } = await open();
    await start(notes());
    await client.query('DROP VIEW note_tags');
    await client.query(`CREATE VIEW note_tags AS SELECT 'x'::text AS id, 'y'::text AS tag`);
    await start(notes());
    await client.query(`INSERT INTO twofold_rm_notes_1.note_tags (id, tag) VALUES ('n-1', 'red')`);
    expect((await client.query('SELECT id, tag FROM note_tags')).rows).toEqual([{ id: 'n-1', tag: 'red' }]);
  });
});

describe('readers’ views on postgres, under reads', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('starts while a read holds the views, without waiting for it', async () => {
    const database = await createTestDatabase();
    const client = await openSqlClient(database.url);
    cleanups.push(() => database.drop(), () => client.close());
    await migrate(client);
    await startProjector(client, notes());
    const reader = await openSqlClient(database.url);
    cleanups.push(() => reader.close());
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const holding = new Promise<void>((resolve) => (reading = resolve));
    // a read that holds its lock on both views until released (a view made again would wait for it)
    const read = reader.transaction(async (session) => {
      await session.query('SELECT count(*) FROM notes JOIN note_tags USING (id)');
      reading();
      await released;
    });
    await holding;
    try {
      const started = startProjector(client, notes()).then(() => 'started' as const);
      const waited = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 3_000));
      expect(await Promise.race([started, waited])).toBe('started');
    } finally {
      release();
      await read;
    }
  });
});
