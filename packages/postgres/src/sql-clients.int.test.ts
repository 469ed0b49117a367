// The pg and PGlite clients: connection failures become StoreUnavailable, notifications cross processes and survive a lost LISTEN connection, PGlite persists.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailable, StreamVersionConflict, sleep } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';
import { decodeHead } from './change-payloads.js';
import { eventsChannel, postgresEventStore } from './postgres-event-store.js';

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(10);
  }
};

const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

describe('pg client', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  const open = (): PostgresClient => {
    const client = createPgClient({ connectionString: database.url, max: 4 });
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await database?.drop();
  });

  it('reports an unreachable server as StoreUnavailable, with the native error as cause', async () => {
    const client = createPgClient({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 2_000 });
    try {
      for (const attempt of [client.query('SELECT 1'), client.transaction(async () => 1), client.connect()]) {
        const error = await rejection(attempt);
        expect(error).toBeInstanceOf(StoreUnavailable);
        expect((error as StoreUnavailable).cause).toMatchObject({ code: 'ECONNREFUSED' });
      }
    } finally {
      await client.close();
    }
  });

  it('sends a pooled statement again when the server chose it as a deadlock victim: it was rolled back whole', async () => {
    // the reader checks for deadlocks first (after the default 1 s; the writer after 10 s), so it is the one rolled back
    const reader = open();
    const writer = createPgClient({ connectionString: database.url, max: 2, options: '-c deadlock_timeout=10000' });
    clients.push(writer);
    await writer.query('CREATE TABLE deadlock_a (n int)');
    await writer.query('CREATE TABLE deadlock_b (n int)');
    await writer.query('INSERT INTO deadlock_a VALUES (1)');
    let read: Promise<{ rows: { n: string }[] }> | undefined;
    await writer.transaction(async (session) => {
      await session.query('LOCK TABLE deadlock_b IN ACCESS EXCLUSIVE MODE');
      // the read locks deadlock_a, then waits for deadlock_b; this transaction then waits for deadlock_a
      read = reader.query<{ n: string }>('SELECT (SELECT count(*) FROM deadlock_a) + (SELECT count(*) FROM deadlock_b) AS n');
      await sleep(300);
      await session.query('LOCK TABLE deadlock_a IN ACCESS EXCLUSIVE MODE');
      await session.query('INSERT INTO deadlock_b VALUES (2)');
    });
    // rolled back as the victim, sent again, and answered once the transaction had committed
    expect((await read!).rows).toEqual([{ n: '2' }]);
  });

  it('reports a connection killed inside a transaction as StoreUnavailable, and recovers', async () => {
    const client = open();
    const killer = open();
    const error = await rejection(
      client.transaction(async (session) => {
        const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await sleep(50);
        await session.query('SELECT 1');
      }),
    );
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps statement errors as they are', async () => {
    const error = await rejection(open().query('SELECT * FROM no_such_table'));
    expect(error).not.toBeInstanceOf(StoreUnavailable);
    expect(error).toMatchObject({ code: '42P01' });
  });

  it('wakes listeners in another process, also after their LISTEN connection was lost', async () => {
    const listener = open();
    const notifier = open();
    let calls = 0;
    const unlisten = listener.listen('twofold_test', () => calls++);
    await until(() => calls > 0); // woken once when listening starts
    await sleep(50);

    let before = calls;
    notifier.notify('twofold_test');
    await until(() => calls > before);

    const { rows } = await notifier.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
    );
    expect(rows).toHaveLength(1);
    before = calls;
    await notifier.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await until(() => calls > before); // woken after reconnecting: notifications may have been missed
    await sleep(50);
    before = calls;
    notifier.notify('twofold_test');
    await until(() => calls > before);
    unlisten();
  });

  it('wakes a listener in the sending process once per notify: the echo through LISTEN is dropped, another client still hears it', async () => {
    const sender = open();
    const other = open();
    const here: (string | undefined)[] = [];
    const there: (string | undefined)[] = [];
    const unlistenHere = sender.listen('twofold_echo', (payload) => here.push(payload));
    const unlistenThere = other.listen('twofold_echo', (payload) => there.push(payload));
    await until(() => here.length > 0 && there.length > 0); // woken once when listening starts
    await sleep(50);
    here.length = 0;
    there.length = 0;
    sender.notify('twofold_echo', 'one');
    await until(() => there.length > 0);
    await sleep(200); // the echo, had it been dispatched, would have come by now
    expect(here).toEqual(['one']);
    expect(there).toEqual(['one']);
    unlistenHere();
    unlistenThere();
  });

  it('wakes a store subscriber in another process after an append', async () => {
    const writer = open();
    const reader = open();
    await migrate(writer);
    let calls = 0;
    const unsubscribe = postgresEventStore(reader).subscribe(() => calls++);
    await sleep(200);
    const before = calls;
    await postgresEventStore(writer).appendToStream('woken', [{ type: 'Happened', data: {} }], { expectedVersion: 'any' });
    await until(() => calls > before);
    unsubscribe();
  });

  it('announces each append from its own statement, with the head it reached, and never a refused one', async () => {
    const writer = open();
    const reader = open();
    await migrate(writer);
    const payloads: (string | undefined)[] = [];
    const unlisten = reader.listen(eventsChannel, (payload) => payloads.push(payload));
    await until(() => payloads.length > 0); // woken once when listening starts
    await sleep(50);
    payloads.length = 0;
    const store = postgresEventStore(writer);
    const single = await store.appendToStream('announced-1', [{ type: 'Happened', data: {} }], { expectedVersion: 'no_stream' });
    const multi = await store.appendToStreams([
      { streamId: 'announced-2', events: [{ type: 'Happened', data: {} }, { type: 'Happened', data: {} }], expectedVersion: 'no_stream' },
      { streamId: 'announced-3', events: [{ type: 'Happened', data: {} }], expectedVersion: 'no_stream' },
    ]);
    await expect(store.appendToStream('announced-1', [{ type: 'Happened', data: {} }], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(StreamVersionConflict);
    await until(() => payloads.length >= 2);
    await sleep(100); // a refused append's notification would have come by now
    const heads = payloads.map((payload) => decodeHead(payload));
    expect(heads.map((head) => head?.cursor)).toEqual([
      { transactionId: single.transactionId, position: single.position },
      { transactionId: multi.transactionId, position: multi.position },
    ]);
    const stored = await store.readStream('announced-3');
    expect(heads[1]!.recordedAt.getTime()).toBe(stored[0]!.recordedAt.getTime());
    unlisten();
  });
});

describe('PGlite client', () => {
  it('creates its data directory and keeps the data across restarts', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'twofold-pglite-'));
    const dataDir = join(parent, 'nested', 'data');
    try {
      const first = await createPgliteClient(dataDir);
      await migrate(first);
      await postgresEventStore(first).appendToStream('kept', [{ type: 'Kept', data: { n: 1 } }], { expectedVersion: 'no_stream' });
      await first.close();
      expect((await stat(dataDir)).isDirectory()).toBe(true);

      const second = await createPgliteClient(dataDir);
      try {
        // one connection: leases and notifications stay in this process, and there is no dedicated connection
        expect(second.capabilities.multipleConnections).toBe(false);
        await expect(second.connect()).rejects.toThrow(/single connection/);
        expect((await migrate(second)).applied).toEqual([]);
        const events = await postgresEventStore(second).readStream('kept');
        expect(events.map((e) => e.data)).toEqual([{ n: 1 }]);
      } finally {
        await second.close();
      }
      const closedError = await rejection(second.query('SELECT 1'));
      expect(closedError).toBeInstanceOf(StoreUnavailable);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
