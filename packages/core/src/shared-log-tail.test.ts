import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventStore } from './event-store.js';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { cursorOf, logStart, type LogCursor } from './messages.js';
import { createSharedLogTail } from './shared-log-tail.js';

async function storeWith(events: number): Promise<{ store: EventStore; reads: () => number }> {
  const store = inMemoryEventStore();
  for (let i = 0; i < events; i++) await store.appendToStream(`s-${i % 3}`, [{ type: i % 2 === 0 ? 'Even' : 'Odd', data: { i } }], { expectedVersion: 'any' });
  let reads = 0;
  return { store: { ...store, readAll: (options) => (reads++, store.readAll(options)) }, reads: () => reads };
}

describe('createSharedLogTail', () => {
  it('answers every read with a non-empty prefix of what the store would answer (the same events when it would answer some)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 40 }), fc.array(fc.tuple(fc.nat(45), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 30 }), async (count, reads) => {
        const { store } = await storeWith(count);
        const all = await store.readAll({ after: logStart, limit: 1_000 });
        const tail = createSharedLogTail(store, { types: undefined });
        for (const [at, limit] of reads) {
          const after: LogCursor = at === 0 || all.length === 0 ? logStart : cursorOf(all[Math.min(at, all.length) - 1]!);
          const fresh = await store.readAll({ after, limit });
          const served = await tail.readAll(after, limit);
          expect(served.length).toBeLessThanOrEqual(fresh.length);
          if (fresh.length > 0) expect(served.length).toBeGreaterThan(0);
          expect(served.map((e) => e.globalPosition)).toEqual(fresh.slice(0, served.length).map((e) => e.globalPosition));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('serves runners at the same place, or inside a kept read, from one read of the store', async () => {
    const { store, reads } = await storeWith(20);
    const tail = createSharedLogTail(store, { types: ['Even'] });
    const together = await Promise.all(Array.from({ length: 6 }, () => tail.readAll(logStart, 10)));
    expect(reads()).toBe(1);
    expect(together.every((events) => events.length === 10)).toBe(true);
    // a runner a few events on, asking for no more than the read holds from there
    expect((await tail.readAll(cursorOf(together[0]![3]!), 6)).map((e) => e.globalPosition)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(reads()).toBe(1);
    // asking for more than the rest of a full read: the store, which has more
    expect(await tail.readAll(cursorOf(together[0]![3]!), 10)).toHaveLength(10);
    expect(reads()).toBe(2);
  });

  it('serves the rest of the newest short read, but sends a reader behind older short reads to the store', async () => {
    const { store, reads } = await storeWith(3);
    const tail = createSharedLogTail(store, { types: undefined });
    const first = await tail.readAll(logStart, 10);
    expect(first).toHaveLength(3);
    // the newest read came back short: what it holds after event 1 is all there was
    expect((await tail.readAll(cursorOf(first[0]!), 10)).map((e) => e.globalPosition)).toEqual([2, 3]);
    expect(reads()).toBe(1);
    await store.appendToStream('s-0', [{ type: 'Even', data: {} }, { type: 'Odd', data: {} }], { expectedVersion: 'any' });
    expect((await tail.readAll(cursorOf(first[2]!), 10)).map((e) => e.globalPosition)).toEqual([4, 5]);
    expect(reads()).toBe(2);
    // behind: the first read is no longer the newest, so the store answers, to the end
    expect((await tail.readAll(cursorOf(first[0]!), 10)).map((e) => e.globalPosition)).toEqual([2, 3, 4, 5]);
    expect(reads()).toBe(3);
  });

  it('never hands a reader asking after an append was announced a read begun before it (its answer may lack the append)', async () => {
    const store = inMemoryEventStore();
    let reads = 0;
    let release: (() => void) | undefined;
    const holding: EventStore = {
      ...store,
      readAll(options) {
        reads++;
        const answer = store.readAll(options);
        // the first read is slow: it answers the log as it was when asked (empty)
        return reads === 1 ? new Promise<void>((r) => (release = r)).then(() => answer) : answer;
      },
    };
    const tail = createSharedLogTail(holding, { types: undefined });
    const before = tail.readAll(logStart, 10);
    // a reader at the same place before any announcement shares that read
    const alongside = tail.readAll(logStart, 10);
    expect(reads).toBe(1);
    await store.appendToStream('s', [{ type: 'Even', data: {} }], { expectedVersion: 'any' });
    tail.logMoved();
    const after = tail.readAll(logStart, 10);
    expect(reads).toBe(2);
    release!();
    expect(await before).toEqual([]);
    expect(await alongside).toEqual([]);
    expect((await after).map((e) => e.globalPosition)).toEqual([1]);
  });
});
