import { describe, expect, it } from 'vitest';
import { IdempotencyKeyUsed, StoreUnavailable, StreamVersionConflict } from '../errors.js';
import type { EventStore, StreamAppend } from '../event-store.js';
import { inMemoryEventStore } from '../in-memory-event-store.js';
import { groupCommit } from './group-commit.js';

const event = (n: number) => ({ type: 'E', data: { n } });

function counted(store: EventStore, refuse?: (appends: readonly StreamAppend[]) => unknown): { store: EventStore; calls: () => number } {
  let calls = 0;
  return {
    store: {
      ...store,
      appendToStreams: async (appends) => {
        calls++;
        const error = refuse?.(appends);
        if (error !== undefined) throw error;
        return store.appendToStreams(appends);
      },
    },
    calls: () => calls,
  };
}

describe('groupCommit', () => {
  it('combines concurrent appends into few calls, each answered with its own positions', async () => {
    const base = inMemoryEventStore();
    const { store, calls } = counted(base);
    const grouped = groupCommit(store);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => grouped.appendToStream(`s-${i}`, [event(i), event(i)], { expectedVersion: 'no_stream' })));
    expect(calls()).toBeLessThanOrEqual(2);
    for (const [i, result] of results.entries()) {
      const stored = await base.readStream(`s-${i}`);
      expect(result.streams).toEqual([{ streamId: `s-${i}`, streamVersion: 2, position: stored[1]!.globalPosition, positions: stored.map((e) => e.globalPosition) }]);
      expect(result.position).toBe(stored[1]!.globalPosition);
    }
  });

  it('never puts two appends to one stream in one group, so both can succeed in order', async () => {
    const grouped = groupCommit(inMemoryEventStore());
    const [first, second] = await Promise.all([
      grouped.appendToStream('one', [event(1)], { expectedVersion: 'no_stream' }),
      grouped.appendToStream('one', [event(2)], { expectedVersion: 1 }),
    ]);
    expect([first.streams[0]!.streamVersion, second.streams[0]!.streamVersion]).toEqual([1, 2]);
  });

  it('fails only the append whose expected version is wrong', async () => {
    const base = inMemoryEventStore();
    await base.appendToStream('taken', [event(0)], { expectedVersion: 'no_stream' });
    const grouped = groupCommit(base);
    const results = await Promise.allSettled(
      ['a', 'taken', 'b'].map((id) => grouped.appendToStream(id, [event(1)], { expectedVersion: 'no_stream' })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StreamVersionConflict);
    expect(await base.readStream('a')).toHaveLength(1);
  });

  it('tells every append of a group whose outcome is unknown, and retries none', async () => {
    let down = true;
    const { store, calls } = counted(inMemoryEventStore(), () => (down ? new StoreUnavailable('gone') : undefined));
    const grouped = groupCommit(store);
    const first = grouped.appendToStream('x', [event(0)], { expectedVersion: 'any' });
    const rest = [1, 2, 3].map((n) => grouped.appendToStream(`y-${n}`, [event(n)], { expectedVersion: 'any' }));
    const results = await Promise.allSettled([first, ...rest]);
    down = false;
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailable)).toBe(true);
    expect(calls()).toBe(2);
  });
});

describe('groupCommit with idempotency keys', () => {
  const key = (k: string, commandId: string, streamId: string) => ({ scope: 's', key: k, requestHash: 'h', commandId, correlationId: 'c', streamId });

  it('stores each call’s keys with its events; a call whose key is held fails alone', async () => {
    const base = inMemoryEventStore();
    const grouped = groupCommit(base);
    const results = await Promise.allSettled([
      grouped.appendToStreams([{ streamId: 'k-1', events: [event(1)], expectedVersion: 'any' }], { idempotencyKeys: [key('a', 'c-1', 'k-1')] }),
      grouped.appendToStreams([{ streamId: 'k-2', events: [event(2)], expectedVersion: 'any' }], { idempotencyKeys: [key('a', 'c-2', 'k-2')] }),
      grouped.appendToStreams([{ streamId: 'k-3', events: [event(3)], expectedVersion: 'any' }], { idempotencyKeys: [key('b', 'c-3', 'k-3')] }),
      grouped.appendToStreams([{ streamId: 'k-4', events: [event(4)], expectedVersion: 'any' }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyKeyUsed);
    expect(await base.readStream('k-2')).toEqual([]);
    await expect(base.appendToStreams([{ streamId: 'k-5', events: [event(5)], expectedVersion: 'any' }], { idempotencyKeys: [key('b', 'c-5', 'k-5')] })).rejects.toBeInstanceOf(
      IdempotencyKeyUsed,
    );
  });
});
