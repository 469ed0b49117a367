// Projection leases on PostgreSQL across clients (processes): exclusive, released when the holder's connection ends, and fail-over of a running daemon.
import { createProjectionDaemon, sleep, type ProjectionDefinition } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
};

/** The pid of the backend holding a projection's advisory lock, seen from another connection. */
const leaseHolderPid = async (client: PostgresClient): Promise<number | undefined> => {
  const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  return rows[0]?.pid;
};

describe('projection leases on PostgreSQL', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  const open = async (): Promise<PostgresClient> => {
    const client = createPgClient({ connectionString: database.url, max: 4 });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    database = await createTestDatabase();
    await migrate(await open());
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await database.drop();
  });

  it('grants a lease to one process only, and to the other once the holder closes', async () => {
    const a = await open();
    const b = await open();
    const storeA = postgresProjectionStore(a);
    const storeB = postgresProjectionStore(b);
    const lease = await storeA.tryAcquireLease('orderSummaries');
    expect(lease).toBeDefined();
    expect(await storeB.tryAcquireLease('orderSummaries')).toBeUndefined();
    expect(await storeB.tryAcquireLease('stockLevels')).toBeDefined();

    await a.close(); // the holder's process ends: its connections end, and the lock with them
    await until(async () => (await storeB.tryAcquireLease('orderSummaries')) !== undefined);
  });

  it('marks a lease lost when its connection dies, and lets the other process take it', async () => {
    const a = await open();
    const b = await open();
    const storeA = postgresProjectionStore(a);
    const storeB = postgresProjectionStore(b);
    const lease = (await storeA.tryAcquireLease('orderSummaries'))!;
    const pid = await leaseHolderPid(b);
    expect(pid).toBeTypeOf('number');
    await b.query('SELECT pg_terminate_backend($1)', [pid]);

    await until(() => lease.lost);
    const taken = await storeB.tryAcquireLease('orderSummaries');
    expect(taken).toBeDefined();
    await lease.release(); // harmless on a lost lease
    expect(await storeA.tryAcquireLease('orderSummaries')).toBeUndefined();
    await taken!.release();
    // a new connection replaces the lost one
    expect(await storeA.tryAcquireLease('orderSummaries')).toBeDefined();
  });

  it('fails a running projection over to a standby daemon without losing or repeating an event', async () => {
    const writer = await open();
    const eventStore = postgresEventStore(writer);
    const counts: ProjectionDefinition<SqlSession> = {
      name: 'stream_counts',
      version: 1,
      handles: ['Counted'],
      setup: async (session) => {
        await session.query('CREATE TABLE IF NOT EXISTS stream_counts (stream_id text PRIMARY KEY, events integer NOT NULL, last_version integer NOT NULL)');
      },
      apply: async (events, session) => {
        for (const event of events) {
          // counts every application: a repeated or skipped event shows as events != last_version
          await session.query(
            `INSERT INTO stream_counts (stream_id, events, last_version) VALUES ($1, 1, $2)
             ON CONFLICT (stream_id) DO UPDATE SET events = stream_counts.events + 1, last_version = excluded.last_version`,
            [event.streamId, event.streamVersion],
          );
        }
      },
    };
    const daemonOn = async () => {
      const client = await open();
      const daemon = createProjectionDaemon({
        eventStore: postgresEventStore(client),
        projectionStore: postgresProjectionStore(client),
        projections: [counts],
        batchSize: 50,
        leaseRetryMs: 50,
      });
      daemon.start();
      return { client, daemon };
    };
    const first = await daemonOn();
    await until(() => first.daemon.statuses()[0]!.state === 'running');
    const second = await daemonOn();
    await until(() => second.daemon.statuses()[0]!.state === 'standby');

    const appendSome = (from: number, to: number) =>
      Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = from; i < to; i++) await eventStore.appendToStream(`s-${(w * 7 + i) % 20}`, [{ type: 'Counted', data: { i } }], { expectedVersion: 'any' });
        }),
      );
    await appendSome(0, 100);
    await until(() => (first.daemon.statuses()[0]!.cursor?.position ?? 0) > 0);
    await first.client.close(); // the running instance dies mid-stream
    await first.daemon.stop();
    await appendSome(100, 200);
    await until(() => second.daemon.statuses()[0]!.state === 'running');

    const total = async (): Promise<number> =>
      Number((await writer.query<{ total: string | null }>('SELECT sum(events)::text AS total FROM stream_counts')).rows[0]?.total ?? 0);
    await until(async () => (await total()) >= 800, 10_000);
    await second.daemon.stop();
    const { rows } = await writer.query<{ total: string; mismatched: string }>(
      'SELECT sum(events)::text AS total, count(*) FILTER (WHERE events <> last_version)::text AS mismatched FROM stream_counts',
    );
    expect(rows[0]).toEqual({ total: '800', mismatched: '0' });
  });
});
