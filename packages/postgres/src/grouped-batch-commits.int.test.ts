// Read models' batches committed at the same time share one transaction and one claim of their checkpoints; the live
// ones apply under one search path of their schemas unless a name could then resolve elsewhere (each then under its
// own), one without tables under the default search path; a refused one changes nothing.
import { CheckpointMoved, type CheckpointMove, type ProjectionDefinition } from '@twofold/core';
import { decodeMoves } from './change-payloads.js';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';
import { checkpointsChannel, postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

/** Counts the statements sent inside each transaction (query and prepared alike). */
function countingStatements(client: PostgresClient): { client: PostgresClient; transactions: number[] } {
  const transactions: number[] = [];
  const counting: PostgresClient = Object.create(client) as PostgresClient;
  counting.transaction = (fn) =>
    client.transaction((session) => {
      const index = transactions.push(0) - 1;
      const counted = new Proxy(session, {
        get(target, key, receiver) {
          const value: unknown = Reflect.get(target, key, receiver);
          if ((key === 'query' || key === 'queryPrepared') && typeof value === 'function') {
            return (...args: unknown[]) => {
              transactions[index]!++;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          return value;
        },
      });
      return fn(counted);
    });
  return { client: counting, transactions };
}

const projection = (name: string, tables: readonly string[] | undefined, ...setup: string[]): ProjectionDefinition<SqlSession> => ({
  name,
  version: 1,
  handles: [],
  ...(tables === undefined ? {} : { tables }),
  setup: async (session) => {
    for (const statement of setup) await session.query(statement);
  },
  apply: async () => {},
});

const insert = (table: string, value: string) => async (session: SqlSession) => void (await session.query(`INSERT INTO ${table} (v) VALUES ($1)`, [value]));

const backends: readonly { name: string; open: () => Promise<{ client: PostgresClient; done: () => Promise<void> }> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const client = await createPgliteClient();
      return { client, done: () => client.close() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const database: TestDatabase = await createTestDatabase();
      const client = createPgClient(database.url);
      return { client, done: async () => (await client.close(), await database.drop()) };
    },
  },
];

describe.each(backends)('batches committed together on $name', ({ open }) => {
  let done: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await done?.();
    done = undefined;
  });
  /** A migrated database, and a projection store over it that counts its transactions' statements. */
  const storeOn = async () => {
    const opened = await open();
    done = opened.done;
    await migrate(opened.client);
    const { client, transactions } = countingStatements(opened.client);
    return { opened, store: postgresProjectionStore(client), transactions };
  };

  it('claim every checkpoint in one statement, apply the live ones under one search path, and one without tables in the default one', async () => {
    const { opened, store, transactions } = await storeOn();
    await store.prepare(projection('a', ['a_rows'], 'CREATE TABLE IF NOT EXISTS a_rows (v text)'));
    await store.prepare(projection('b', ['b_rows'], 'CREATE TABLE IF NOT EXISTS b_rows (v text)'));
    await store.prepare(projection('plain', undefined, 'CREATE TABLE IF NOT EXISTS plain_rows (v text)'));
    const round = async (n: number) => {
      const from = { transactionId: n, position: n };
      const to = { cursor: { transactionId: n + 1, position: n + 1 }, lastEventAt: new Date('2026-01-01T00:00:00Z') };
      await Promise.all([
        store.commitBatch('a', from, to, insert('a_rows', `to a ${n}`)),
        store.commitBatch('plain', from, to, insert('plain_rows', `to plain ${n}`)),
        store.commitBatch('b', from, to, insert('b_rows', `to b ${n}`)),
      ]);
    };
    const before = transactions.length;
    await round(0);
    await round(1);
    // BEGIN and COMMIT are not the session's: one claim, one SET LOCAL for a and b, one row each; the first round also
    // asks the catalog whether a's and b's names can share one path (once: the answer is kept)
    expect(transactions.slice(before)).toEqual([1 + 1 + 1 + 3, 1 + 1 + 3]);
    const rows = async (table: string) => (await opened.client.query<{ v: string }>(`SELECT v FROM ${table} ORDER BY v`)).rows.map((row) => row.v);
    expect(await rows('a_rows')).toEqual(['to a 0', 'to a 1']);
    expect(await rows('b_rows')).toEqual(['to b 0', 'to b 1']);
    expect(await rows('plain_rows')).toEqual(['to plain 0', 'to plain 1']);
    const checkpoints = await store.readCheckpoints(['a', 'b', 'plain']);
    expect(checkpoints.map((c) => [c.name, c.cursor.position, c.lastEventAt?.toISOString()])).toEqual([
      ['a', 2, '2026-01-01T00:00:00.000Z'],
      ['b', 2, '2026-01-01T00:00:00.000Z'],
      ['plain', 2, '2026-01-01T00:00:00.000Z'],
    ]);
    await store.close();
  });

  it('read models whose names one path would confuse each apply under their own', async () => {
    const { opened, store, transactions } = await storeOn();
    // a and b both declare a table "items"; c's schema holds a helper "notes" that shadows the readers' own "notes",
    // which d (whose path is its schema, then the readers') writes to
    await store.prepare(projection('a', ['items'], 'CREATE TABLE IF NOT EXISTS items (v text)'));
    await store.prepare(projection('b', ['items'], 'CREATE TABLE IF NOT EXISTS items (v text)'));
    await opened.client.query('CREATE TABLE notes (v text)');
    await store.prepare(projection('c', ['c_rows'], 'CREATE TABLE IF NOT EXISTS c_rows (v text)', 'CREATE TABLE IF NOT EXISTS notes (v text)'));
    await store.prepare(projection('d', ['d_rows'], 'CREATE TABLE IF NOT EXISTS d_rows (v text)'));
    const from = { transactionId: 0, position: 0 };
    const to = { cursor: { transactionId: 7, position: 3 }, lastEventAt: undefined };
    const before = transactions.length;
    await Promise.all([
      store.commitBatch('a', from, to, insert('items', 'to a')),
      store.commitBatch('b', from, to, insert('items', 'to b')),
    ]);
    await Promise.all([store.commitBatch('c', from, to, insert('c_rows', 'to c')), store.commitBatch('d', from, to, insert('notes', 'from d'))]);
    // each round: one claim, the catalog asked, then a SET LOCAL and a row per read model
    expect(transactions.slice(before)).toEqual([1 + 1 + 2 * 2, 1 + 1 + 2 * 2]);
    const rows = async (table: string) => (await opened.client.query<{ v: string }>(`SELECT v FROM ${table}`)).rows.map((row) => row.v);
    expect(await rows('twofold_rm_a_1.items')).toEqual(['to a']);
    expect(await rows('twofold_rm_b_1.items')).toEqual(['to b']);
    expect(await rows('twofold_rm_c_1.c_rows')).toEqual(['to c']);
    expect(await rows('public.notes')).toEqual(['from d']);
    expect(await rows('twofold_rm_c_1.notes')).toEqual([]);
    await store.close();
  });

  it('a batch that joins a running transaction claims under the default search path, whatever the round before set', async () => {
    const { opened, store, transactions } = await storeOn();
    await store.prepare(projection('a', ['a_rows'], 'CREATE TABLE IF NOT EXISTS a_rows (v text)', 'CREATE TABLE IF NOT EXISTS plain_rows (v text)'));
    await store.prepare(projection('plain', undefined, 'CREATE TABLE IF NOT EXISTS plain_rows (v text)'));
    const start = { transactionId: 0, position: 0 };
    const to = { cursor: { transactionId: 7, position: 3 }, lastEventAt: undefined };
    const before = transactions.length;
    let joined: Promise<void> | undefined;
    await store.commitBatch('a', start, to, async (session) => {
      joined = store.commitBatch('plain', start, to, insert('plain_rows', 'to plain'));
      await insert('a_rows', 'to a')(session);
    });
    await joined;
    expect(transactions.length - before).toBe(1);
    expect((await opened.client.query('SELECT v FROM plain_rows')).rows).toEqual([{ v: 'to plain' }]);
    expect((await opened.client.query('SELECT v FROM twofold_rm_a_1.plain_rows')).rows).toEqual([]);
    expect((await store.readCheckpoints(['plain']))[0]!.cursor.position).toBe(3);
    await store.close();
  });

  it('refuses only the batch whose checkpoint is elsewhere: it changes nothing, the others commit in the same transaction', async () => {
    const { opened, store, transactions } = await storeOn();
    await store.prepare(projection('a', ['a_rows'], 'CREATE TABLE IF NOT EXISTS a_rows (v text)'));
    await store.prepare(projection('b', ['b_rows'], 'CREATE TABLE IF NOT EXISTS b_rows (v text)'));
    const to = { cursor: { transactionId: 7, position: 3 }, lastEventAt: undefined };
    const before = transactions.length;
    const outcomes = await Promise.allSettled([
      store.commitBatch('a', { transactionId: 0, position: 0 }, to, insert('a_rows', 'to a')),
      store.commitBatch('b', { transactionId: 5, position: 2 }, to, insert('b_rows', 'to b')),
    ]);
    expect(outcomes[0]!.status).toBe('fulfilled');
    expect(outcomes[1]!.status === 'rejected' && outcomes[1].reason).toBeInstanceOf(CheckpointMoved);
    expect(transactions.length - before).toBe(1);
    expect((await opened.client.query('SELECT v FROM a_rows')).rows).toEqual([{ v: 'to a' }]);
    expect((await opened.client.query('SELECT v FROM b_rows')).rows).toEqual([]);
    const checkpoints = await store.readCheckpoints(['a', 'b']);
    expect(checkpoints.map((c) => [c.name, c.cursor.position])).toEqual([
      ['a', 3],
      ['b', 0],
    ]);
    await store.close();
  });
});

describe('a committed batch announced by its claim on PostgreSQL', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it('reaches another process at commit and this one once; a refused batch is not announced', async () => {
    database = await createTestDatabase();
    const client = createPgClient(database.url);
    const other = createPgClient(database.url);
    await migrate(client);
    const store = postgresProjectionStore(client);
    await store.prepare(projection('a', ['a_rows'], 'CREATE TABLE IF NOT EXISTS a_rows (v text)'));
    await store.prepare(projection('b', ['b_rows'], 'CREATE TABLE IF NOT EXISTS b_rows (v text)'));
    const heardThere: (string | undefined)[] = [];
    const heardHere: (readonly CheckpointMove[] | undefined)[] = [];
    const stopThere = other.listen(checkpointsChannel, (payload) => heardThere.push(payload));
    const stopHere = store.subscribe((moves) => heardHere.push(moves));
    await new Promise((resolve) => setTimeout(resolve, 300)); // both LISTEN connections are up
    const to = { cursor: { transactionId: 7, position: 3 }, lastEventAt: new Date('2026-01-01T00:00:00Z') };
    await Promise.allSettled([
      store.commitBatch('a', { transactionId: 0, position: 0 }, to, insert('a_rows', 'to a')),
      store.commitBatch('b', { transactionId: 5, position: 2 }, to, insert('b_rows', 'to b')),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const move = { name: 'a', cursor: to.cursor, lastEventAt: to.lastEventAt };
    // a wake without a payload (look at the checkpoints yourself: a LISTEN connection that just opened sends one) may
    // come too; every payload names a committed move, once
    expect(heardThere.filter((payload) => payload !== undefined && payload !== null).map(decodeMoves)).toEqual([[move]]);
    expect(heardHere.filter((moves) => moves !== undefined)).toEqual([[move]]);
    stopThere();
    stopHere();
    await store.close();
    await other.close();
    await client.close();
  });
});
