// The partition ledger on PostgreSQL: partitions leased with fences; a batch moves its partition's checkpoint and the
// read model in one transaction, only under the current fence and an unexpired lease (a worker that was paused past
// its lease, or taken over, commits nothing); positions announced reach another client.
import { CheckpointMoved, logStart, sleep, type PartitionPosition, type ProjectionDefinition, type StoredEvent } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresPartitionLedger, postgresPartitionPositions } from './partition-checkpoints.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import type { SqlSession } from './sql-client.js';

const counted: ProjectionDefinition<SqlSession> = {
  name: 'countedByStream',
  version: 1,
  handles: ['Counted'],
  tables: ['counted_by_stream'],
  async setup(session) {
    await session.query('CREATE TABLE IF NOT EXISTS counted_by_stream (stream_id text PRIMARY KEY, n bigint NOT NULL, last_position bigint NOT NULL)');
  },
  async apply(events, session) {
    for (const event of events) {
      await session.query(
        `INSERT INTO counted_by_stream VALUES ($1, 1, $2) ON CONFLICT (stream_id) DO UPDATE SET n = counted_by_stream.n + 1, last_position = $2
         WHERE counted_by_stream.last_position < $2`,
        [event.streamId, event.globalPosition],
      );
    }
  },
};

const event = (position: number, streamId = 's-1'): StoredEvent => ({
  type: 'Counted', data: {}, metadata: {}, streamId, streamVersion: position, globalPosition: position, transactionId: 100 + position, eventId: `e-${position}`, recordedAt: new Date(1_000 * position),
});
const batchOf = (claim: { partition: number; fence: number; sequence: number; cursor: { transactionId: number; position: number } }, position: number) => ({
  claim, toSequence: claim.sequence + 1, toCursor: { transactionId: 100 + position, position }, lastEventAt: new Date(1_000 * position), events: [event(position)],
});

describe('the partition ledger on PostgreSQL', () => {
  let database: TestDatabase;
  const clients: PostgresClient[] = [];
  const open = (): PostgresClient => {
    const client = createPgClient({ connectionString: database.url, max: 4 });
    clients.push(client);
    return client;
  };
  const group = { name: 'test', partitions: 4, projections: [counted.name] };
  const rows = async (client: PostgresClient) => (await client.query<{ stream_id: string; n: string }>('SELECT stream_id, n FROM counted_by_stream ORDER BY 1')).rows;

  beforeEach(async () => {
    database = await createTestDatabase(undefined, { label: 'partition-ledger' });
    const client = open();
    await migrate(client);
    await postgresProjectionStore(client).prepare(counted);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await database.drop();
  });

  it('grants a partition to one worker at a time, each grant with a higher fence, and hands a released one over at once', async () => {
    const ledger = postgresPartitionLedger(open(), { projections: [counted] });
    await ledger.prepareGroup(group);
    await ledger.prepareGroup(group);
    expect(await ledger.read('test')).toHaveLength(4);
    const a = await ledger.acquire('test', 2, 'a', 5_000);
    expect(a).toEqual({ partition: 2, fence: 1, sequence: 0, cursor: logStart });
    expect(await ledger.acquire('test', 2, 'b', 5_000)).toBeUndefined();
    expect(await ledger.renew('test', 'a', [a!], 5_000)).toEqual([2]);
    await ledger.release('test', 'a', a!);
    expect((await ledger.acquire('test', 2, 'b', 5_000))?.fence).toBe(2);
    expect(await ledger.renew('test', 'a', [a!], 5_000)).toEqual([]);
    await expect(ledger.prepareGroup({ ...group, partitions: 8 })).rejects.toThrow(/created with 4 partitions/);
  });

  it('commits batch and checkpoint together under the current fence; a worker taken over or paused past its lease commits nothing', async () => {
    const ledger = postgresPartitionLedger(open(), { projections: [counted] });
    await ledger.prepareGroup(group);
    const a = (await ledger.acquire('test', 0, 'a', 300))!;
    await ledger.commit('test', batchOf(a, 1));
    const moved = { ...a, sequence: 1, cursor: { transactionId: 101, position: 1 } };
    // the same batch again (a replay from a stale checkpoint) is refused: the checkpoint is no longer where it started
    await expect(ledger.commit('test', batchOf(a, 1))).rejects.toBeInstanceOf(CheckpointMoved);
    // paused past its lease, nobody took over yet: refused all the same
    await sleep(400);
    await expect(ledger.commit('test', batchOf(moved, 2))).rejects.toBeInstanceOf(CheckpointMoved);
    const b = (await ledger.acquire('test', 0, 'b', 5_000))!;
    expect(b).toMatchObject({ fence: 2, sequence: 1, cursor: { transactionId: 101, position: 1 } });
    await expect(ledger.commit('test', batchOf(moved, 2))).rejects.toBeInstanceOf(CheckpointMoved);
    expect(await rows(clients[0]!)).toEqual([{ stream_id: 's-1', n: '1' }]);
    await ledger.commit('test', batchOf(b, 2));
    expect(await rows(clients[0]!)).toEqual([{ stream_id: 's-1', n: '2' }]);
    const [row] = (await ledger.read('test')).filter((r) => r.partition === 0);
    expect(row).toMatchObject({ owner: 'b', fence: 2, sequence: 2, cursor: { transactionId: 102, position: 2 } });
  });

  it('tells who is alive, records idle positions under the fence, and announces positions to other clients', async () => {
    const ledger = postgresPartitionLedger(open(), { projections: [counted] });
    await ledger.prepareGroup(group);
    expect(await ledger.heartbeat('test', 'b', 5_000)).toEqual(['b']);
    expect(await ledger.heartbeat('test', 'a', 5_000)).toEqual(['a', 'b']);
    // a worker leaving says it is alive for no time: the others count without it at once
    expect(await ledger.heartbeat('test', 'b', 0)).toEqual(['a', 'b']);
    expect(await ledger.heartbeat('test', 'a', 5_000)).toEqual(['a']);

    const heard: { group: string; positions: readonly PartitionPosition[] | undefined }[] = [];
    const unsubscribe = postgresPartitionPositions(open()).subscribe((g, positions) => heard.push({ group: g, positions }));
    await sleep(300);
    const a = (await ledger.acquire('test', 1, 'a', 5_000))!;
    const idle = { partition: 1, cursor: { transactionId: 150, position: 50 }, lastEventAt: new Date(50_000) };
    await ledger.recordPositions('test', [{ ...idle, fence: a.fence }, { ...idle, partition: 3, fence: 7 }]);
    ledger.announce('test', [idle]);
    await expect.poll(() => heard.filter((h) => h.positions !== undefined)).toEqual([{ group: 'test', positions: [idle] }]);
    unsubscribe();
    const read = await ledger.read('test');
    expect(read.find((r) => r.partition === 1)).toMatchObject({ cursor: idle.cursor, appliedCursor: logStart, lastEventAt: idle.lastEventAt });
    // a fence that is not the partition's: nothing recorded
    expect(read.find((r) => r.partition === 3)).toMatchObject({ cursor: logStart });
  });
});
