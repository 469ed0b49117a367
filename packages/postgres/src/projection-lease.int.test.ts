// Projection leases on PostgreSQL across clients (processes): exclusive, expiring unless renewed, fenced by the checkpoint compare-and-set, and fail-over of a running daemon.
import { CheckpointMoved, createProjectionDaemon, logStart, sleep, type ProjectionDefinition } from '@twofold/core';
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

  it('grants a lease to one process only, and to the other as soon as the holder dies (its session ends), before the lease expires', async () => {
    const a = await open();
    const b = await open();
    const storeA = postgresProjectionStore(a, { lease: { ttlMs: 60_000 } });
    const storeB = postgresProjectionStore(b, { lease: { ttlMs: 60_000 } });
    const lease = await storeA.tryAcquireLease('orderSummaries');
    expect(lease).toBeDefined();
    expect(await storeB.tryAcquireLease('orderSummaries')).toBeUndefined();
    expect(await storeB.tryAcquireLease('stockLevels')).toBeDefined();

    const diedAt = Date.now();
    // the holder's process ends without giving the lease back: its connections end (closing the store would release it)
    await a.close();
    await until(async () => (await storeB.tryAcquireLease('orderSummaries')) !== undefined);
    expect(Date.now() - diedAt).toBeLessThan(2_000);
  });

  it('lets a standby take a lease its holder stopped renewing, once it expired, and fences the old holder', async () => {
    const a = await open();
    const b = await open();
    const timing = { ttlMs: 600, renewEveryMs: 200 };
    const storeA = postgresProjectionStore(a, { lease: timing, holder: 'a' });
    const storeB = postgresProjectionStore(b, { lease: timing, holder: 'b' });
    const projection: ProjectionDefinition<SqlSession> = { name: 'fenced', version: 1, handles: [], apply: async () => undefined };
    await storeA.prepare(projection);
    const lease = (await storeA.tryAcquireLease('fenced'))!;
    expect(lease).toBeDefined();
    // renewed: still held well past its ttl
    await sleep(1_000);
    expect(lease.lost).toBe(false);
    expect(await storeB.tryAcquireLease('fenced')).toBeUndefined();

    // the holder stalls: its renewals stop reaching the server (as when the process is stopped)
    await a.query(`UPDATE twofold_leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE name = 'fenced'`);
    const taken = await storeB.tryAcquireLease('fenced');
    expect(taken).toBeDefined();
    await until(() => lease.lost, 2_000);

    // the old holder's batch is refused though the checkpoint has not moved: its grant is no longer current
    const to = { cursor: { transactionId: 1, position: 1 }, lastEventAt: new Date() };
    await expect(storeA.commitBatch('fenced', logStart, to, async () => undefined)).rejects.toBeInstanceOf(CheckpointMoved);
    expect((await storeB.readCheckpoints(['fenced']))[0]!.cursor).toEqual(logStart);
    // the new holder's goes through, and the old one's release leaves the new grant alone
    await lease.release();
    await storeB.commitBatch('fenced', logStart, to, async () => undefined);
    expect((await storeB.readCheckpoints(['fenced']))[0]!.cursor).toEqual(to.cursor);
    expect(taken!.lost).toBe(false);
    expect(await storeA.tryAcquireLease('fenced')).toBeUndefined();
    await taken!.release();
    expect(await storeA.tryAcquireLease('fenced')).toBeDefined();
  });

  it('refuses a batch whose transaction began before the lease was taken over (the compare-and-set waits, then finds it moved)', async () => {
    const a = await open();
    const b = await open();
    const timing = { ttlMs: 600, renewEveryMs: 200 };
    const storeA = postgresProjectionStore(a, { lease: timing });
    const storeB = postgresProjectionStore(b, { lease: timing });
    const projection: ProjectionDefinition<SqlSession> = { name: 'racing', version: 1, handles: [], apply: async () => undefined };
    await storeA.prepare(projection);
    const lease = (await storeA.tryAcquireLease('racing'))!;
    const first = { cursor: { transactionId: 1, position: 1 }, lastEventAt: new Date() };
    // A's batch has moved the checkpoint (row locked) and stalls before commit while its lease expires and B takes over
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => (resume = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const batchA = storeA.commitBatch('racing', logStart, first, async () => {
      entered();
      await stalled;
    });
    await inside;
    await b.query(`UPDATE twofold_leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE name = 'racing'`);
    const taken = (await storeB.tryAcquireLease('racing'))!;
    expect(taken).toBeDefined();
    // B's batch from the same place waits for A's transaction, then finds the checkpoint moved: no event twice
    const batchB = storeB.commitBatch('racing', logStart, first, async () => undefined);
    resume();
    await batchA;
    await expect(batchB).rejects.toBeInstanceOf(CheckpointMoved);
    await lease.release();
    await taken.release();
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
