// The projection store and administration contracts on Redis, and what Redis adds: per-key cursors that make redelivery harmless.
import { randomBytes } from 'node:crypto';
import { CheckpointMoved, logStart, StoreUnavailable, type CheckpointAdvance, type LogCursor, type ProjectionDefinition } from '@twofold/core';
import { projectionAdministrationContract, projectionStoreContract, type AdministeredStoreFixture } from '@twofold/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisClient } from './redis-client.js';
import { redisProjectionStore, type RedisProjectionStore, type RedisProjectionStoreOptions } from './redis-projection-store.js';
import type { RedisSession } from './redis-session.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const testPrefix = (): string => `twofold-test:${randomBytes(5).toString('hex')}:`;

async function dropKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

const redisFixture = async (): Promise<AdministeredStoreFixture<RedisSession>> => {
  const redis = createRedisClient(redisUrl);
  const keyPrefix = testPrefix();
  const store = redisProjectionStore(redis, { keyPrefix });
  // each put comes from later in the log than the one before, as the writes of successive batches do
  let position = 0;
  return {
    store,
    readModel: {
      async setup() {},
      async put(session, _projection, key, value, at) {
        position++;
        session.set(key, value, at ?? { transactionId: position, position });
      },
      get: (projection, key) => store.reader(projection).get<string>(key),
    },
    async close() {
      await store.close();
      await dropKeys(redis, keyPrefix);
      await redis.quit();
    },
  };
};

projectionStoreContract<RedisSession>('Redis', redisFixture);
projectionAdministrationContract<RedisSession>('Redis', redisFixture);

describe('redisProjectionStore', () => {
  let redis: Redis;
  const opened: { store: RedisProjectionStore; keyPrefix: string }[] = [];
  const open = (options: RedisProjectionStoreOptions = {}): RedisProjectionStore => {
    const keyPrefix = testPrefix();
    const store = redisProjectionStore(redis, { keyPrefix, ...options });
    opened.push({ store, keyPrefix });
    return store;
  };
  const projection = (name = 'counters'): ProjectionDefinition<RedisSession> => ({ name, version: 1, handles: ['Happened'], apply: async () => undefined });
  const at = (n: number): LogCursor => ({ transactionId: n, position: n });
  const advance = (n: number): CheckpointAdvance => ({ cursor: at(n), lastEventAt: new Date(1_700_000_000_000 + n) });

  beforeAll(() => {
    redis = createRedisClient(redisUrl);
  });
  afterEach(async () => {
    for (const { store, keyPrefix } of opened.splice(0)) {
      await store.close();
      await dropKeys(redis, keyPrefix);
    }
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('applies a write only if it comes from later in the log than the key’s last one', async () => {
    const store = open();
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(5), async (session) => {
      session.set('a', 'five', at(5));
      session.set('b', 'five', at(5));
    });
    await store.commitBatch('counters', at(5), advance(9), async (session) => {
      session.set('a', 'three', at(3)); // a redelivery: already reflected
      session.set('b', 'seven', at(7));
      await session.update<string>('c', at(2), (current) => `${current ?? ''}two`);
    });
    expect(await store.reader('counters').mget(['a', 'b', 'c', 'd'])).toEqual(['five', 'seven', 'two', undefined]);
  });

  it('orders writes by transaction id, then position, as the log does', async () => {
    const store = open();
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(1), async (session) => {
      session.set('k', 'first', { transactionId: 10, position: 20 });
    });
    // a lower position in a later transaction is later in the log
    await store.commitBatch('counters', at(1), advance(2), async (session) => {
      session.set('k', 'second', { transactionId: 11, position: 19 });
    });
    expect(await store.reader('counters').get('k')).toBe('second');
  });

  it('keeps a deleted key’s position, so an older event cannot bring it back', async () => {
    const store = open();
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(2), async (session) => {
      session.set('k', 'made', at(1));
      session.delete('k', at(2));
    });
    await store.commitBatch('counters', at(2), advance(3), async (session) => {
      session.set('k', 'made again', at(1));
      expect(await session.get('k')).toBeUndefined();
    });
    expect(await store.reader('counters').get('k')).toBeUndefined();
  });

  it('lets a batch read its own writes, and chains updates on one key', async () => {
    const store = open();
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(3), async (session) => {
      for (const n of [1, 2, 3]) await session.update<number>('sum', at(n), (sum = 0) => sum + n);
      expect(await session.get('sum')).toBe(6);
      expect(await store.reader('counters').get('sum')).toBeUndefined(); // not committed yet
    });
    expect(await store.reader('counters').get('sum')).toBe(6);
    // a redelivery of 2 and 3 with 4 applies only 4
    await store.commitBatch('counters', at(3), advance(4), async (session) => {
      for (const n of [2, 3, 4]) await session.update<number>('sum', at(n), (sum = 0) => sum + n);
    });
    expect(await store.reader('counters').get('sum')).toBe(10);
  });

  it('drops a write made without reading when the stored value is newer', async () => {
    const store = open();
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(6), async (session) => {
      session.set('k', { n: 6 }, at(6));
    });
    await store.commitBatch('counters', at(6), advance(7), async (session) => {
      session.set('k', { n: 5 }, at(5));
      await session.update<{ n: number }>('k', at(7), (current) => ({ n: current!.n + 1 }));
    });
    expect(await store.reader('counters').get('k')).toEqual({ n: 7 });
  });

  it('keeps a checkpoint and positions beyond 2^32 exact, and stores the checkpoint as JSON in one hash', async () => {
    const store = open();
    await store.prepare(projection());
    const far = { transactionId: 2 ** 52 + 1, position: 2 ** 50 + 3 };
    await store.commitBatch('counters', logStart, { cursor: far, lastEventAt: new Date(0) }, async (session) => {
      session.set('k', 'far', far);
    });
    await store.commitBatch('counters', far, advance(1), async (session) => {
      session.set('k', 'near', { ...far, position: far.position - 1 });
    });
    expect(await store.reader('counters').get('k')).toBe('far');
    const { keyPrefix } = opened.at(-1)!;
    expect(JSON.parse((await redis.hget(`${keyPrefix}checkpoints`, 'counters'))!)).toMatchObject({ version: 1, transactionId: '1', position: '1' });
  });

  it('writes a large batch in several script calls; one that loses the race leaves nothing a redelivery applies again', async () => {
    const store = open({ maxWritesPerScript: 2 });
    await store.prepare(projection());
    const error = await store
      .commitBatch('counters', logStart, advance(5), async (session) => {
        for (const n of [1, 2, 3, 4, 5]) await session.update<number>(`k${n}`, at(n), () => n);
        // another instance commits the same batch meanwhile
        await store.commitBatch('counters', logStart, advance(5), async (other) => {
          for (const n of [1, 2, 3, 4, 5]) await other.update<number>(`k${n}`, at(n), () => n * 10);
        });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointMoved);
    // the first four writes went out before the checkpoint check; they come from the same events, so change nothing
    expect(await store.reader('counters').mget(['k1', 'k2', 'k3', 'k4', 'k5'])).toEqual([10, 20, 30, 40, 50]);
    expect((await store.readCheckpoints(['counters']))[0]?.cursor).toEqual(at(5));
  });

  it('runs setup with a session and rejects a session used after its batch', async () => {
    const store = open();
    let kept: RedisSession | undefined;
    await store.prepare({ ...projection(), setup: async (session) => session.set('schema', 1, logStart) });
    await store.commitBatch('counters', logStart, advance(1), async (session) => {
      kept = session;
    });
    expect(await store.reader('counters').get('schema')).toBe(1);
    expect(() => kept!.set('late', 1, at(2))).toThrow(/after its batch ended/);
  });

  it('parks dead letters with the batch that passes them, one per event, numbered in sequence', async () => {
    const store = open();
    await store.prepare(projection());
    const event = (n: number) => ({ type: 'Happened', data: { n }, metadata: {}, streamId: 's', streamVersion: n, globalPosition: n, transactionId: n, eventId: `e${n}`, recordedAt: new Date(1_700_000_000_000 + n) });
    await store.commitBatch('counters', logStart, advance(2), async () => undefined, { deadLetters: [{ event: event(1), error: 'boom' }, { event: event(2), error: 'behind' }] });
    // a rebuild meets the same events again: still one letter each
    await store.commitBatch('counters', at(2), advance(3), async () => undefined, { deadLetters: [{ event: event(2), error: 'again' }] });
    const letters = await store.readDeadLetters('counters');
    expect(letters.map((l) => [l.event.eventId, l.error])).toEqual([
      ['e1', 'boom'],
      ['e2', 'behind'],
    ]);
    expect(Number(letters[1]!.id)).toBeGreaterThan(Number(letters[0]!.id));
    expect(letters[0]!.event.recordedAt).toEqual(new Date(1_700_000_000_001));
    expect((await store.readCheckpoints(['counters']))[0]).toMatchObject({ deadLetterCount: 2, cursor: at(3) });
    expect(await store.dropDeadLetters('counters', [letters[0]!.id])).toBe(1);
    expect((await store.readDeadLetters('counters')).map((l) => l.event.eventId)).toEqual(['e2']);
  });

  it('writes a rebuild in a generation of its own, switches readers atomically, and sweeps the old keys', async () => {
    const store = open({ sweepChunkSize: 2 });
    const { keyPrefix } = opened.at(-1)!;
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(3), async (session) => {
      for (const n of [1, 2, 3]) session.set(`k${n}`, `old${n}`, at(n));
    });
    const rebuild = await store.requestRebuild('counters', 2);
    expect(rebuild.generation).toBe(2);
    await store.commitBatch('counters', logStart, advance(3), async (session) => session.set('k1', 'new1', at(1)), { generation: 2 });
    expect(await store.reader('counters').get('k1')).toBe('old1');
    // the live generation cannot be switched from before both are at the same place
    await expect(store.completeRebuild('counters', 2, at(2))).rejects.toBeInstanceOf(CheckpointMoved);
    await store.completeRebuild('counters', 2, at(3));
    expect(await store.reader('counters').mget(['k1', 'k2'])).toEqual(['new1', undefined]);
    expect((await store.readCheckpoints(['counters']))[0]).toMatchObject({ generation: 2, version: 2, rebuild: undefined });
    // live batches now write the new generation
    await expect(store.commitBatch('counters', at(3), advance(4), async (session) => session.set('k9', 'x', at(4)))).resolves.toBeUndefined();
    await store.swept();
    expect(await redis.keys(`${keyPrefix}rm:counters:*`)).toEqual([]);
    expect((await redis.keys(`${keyPrefix}rm:counters@2:*`)).sort()).toEqual([`${keyPrefix}rm:counters@2:k1`, `${keyPrefix}rm:counters@2:k9`]);
  });

  it('sweeps a rebuild lost with a vanished checkpoint, and never builds in a generation used before', async () => {
    const store = open();
    const { keyPrefix } = opened.at(-1)!;
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(1), async (session) => session.set('k', 'live', at(1)));
    expect((await store.requestRebuild('counters', 1)).generation).toBe(2);
    await store.commitBatch('counters', logStart, advance(1), async (session) => session.set('k', 'half-built', at(1)), { generation: 2 });
    await redis.del(`${keyPrefix}checkpoints`);
    // prepared again (as the daemon does when it finds the checkpoint gone): live generation kept, the lost rebuild swept
    expect(await store.prepare(projection())).toMatchObject({ generation: 1, rebuild: undefined, cursor: logStart });
    await store.swept();
    expect(await redis.keys(`${keyPrefix}rm:counters@*`)).toEqual([]);
    expect(await store.reader('counters').get('k')).toBe('live');
    expect((await store.requestRebuild('counters', 1)).generation).toBe(3);
  });

  it('wakes a subscriber of another store on the same keys, and leaves the caller’s client open on close', async () => {
    const store = open();
    const keyPrefix = opened.at(-1)!.keyPrefix;
    const watcher = redisProjectionStore(redis, { keyPrefix });
    let calls = 0;
    const unsubscribe = watcher.subscribe(() => calls++);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.prepare(projection());
    await store.commitBatch('counters', logStart, advance(1), async () => undefined);
    const deadline = Date.now() + 2_000;
    while (calls === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(calls).toBeGreaterThan(0);
    unsubscribe();
    await watcher.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('reports an unreachable Redis as StoreUnavailable', async () => {
    const unreachable = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    unreachable.on('error', () => undefined);
    const store = redisProjectionStore(unreachable, { keyPrefix: testPrefix() });
    try {
      await expect(store.readCheckpoints()).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.tryAcquireLease('counters')).rejects.toBeInstanceOf(StoreUnavailable);
      await expect(store.reader('counters').get('k')).rejects.toBeInstanceOf(StoreUnavailable);
    } finally {
      await store.close();
      unreachable.disconnect();
    }
  });
});
