// The contract every EventStore runs: appends with optimistic concurrency, atomic multi-stream appends, reads, log order, wake-ups.
import { randomUUID } from 'node:crypto';
import {
  StreamVersionConflict,
  compareCursors,
  cursorOf,
  logStart,
  type Event,
  type EventStore,
  type LogCursor,
  type StoredEvent,
} from '@twofold/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEventStoreCapabilities, eventStoreCapabilityTests, type EventStoreCapabilities, type SiblingStore } from './event-store-capabilities.js';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
  /** Opens another store over the same storage (for backends with the sharedStorage capability). */
  openSibling?(): Promise<SiblingStore>;
}

/** Opens a store over fresh, empty storage. */
export type EventStoreFactory = () => Promise<EventStoreFixture>;

const event = (type: string, data: unknown = {}, metadata?: Event['metadata']): Event => (metadata === undefined ? { type, data } : { type, data, metadata });

const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Defines the suite. Tests share one store (each writes to its own streams); the ones that need an
 * empty store open another through the factory. Tests within the suite run one at a time. The tests of a
 * capability the backend lacks are reported as skipped, with its reason; a backend that declares nothing runs them all.
 */
export function eventStoreContract(name: string, factory: EventStoreFactory, capabilities: EventStoreCapabilities = allEventStoreCapabilities): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture | undefined;
    const store = (): EventStore => fixture!.store;
    const stream = (label: string): string => `${label}-${randomUUID()}`;
    const readAllAfter = async (after: LogCursor): Promise<StoredEvent[]> => {
      const events: StoredEvent[] = [];
      for (let cursor = after; ; ) {
        const page = await store().readAll({ after: cursor, limit: 100 });
        if (page.length === 0) return events;
        events.push(...page);
        cursor = cursorOf(page.at(-1)!);
      }
    };
    /**
     * Waits until readers see the log through `cursor`: on a shared server a transaction open elsewhere holds every
     * reader back a while (DESIGN 5.1), so a test waits for its own events, never for "the head" as it stands.
     */
    const visibleThrough = async (cursor: LogCursor): Promise<void> => {
      await expect.poll(async () => compareCursors((await store().head())?.cursor ?? logStart, cursor) >= 0, { timeout: 15_000, interval: 20 }).toBe(true);
    };
    /** Appends a marker and waits until readers see it: after it, only what the test appends next appears. */
    const headCursor = async (): Promise<LogCursor> => {
      const marked = await store().appendToStream(stream('marker'), [event('Marker')], { expectedVersion: 'no_stream' });
      const cursor = { transactionId: marked.transactionId, position: marked.position };
      await visibleThrough(cursor);
      return cursor;
    };

    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.close();
    });

    describe('appending and reading a stream', () => {
      it('reads back what was appended, in version order, as stored events', async () => {
        const id = stream('order');
        const result = await store().appendToStream(id, [event('OrderPlaced', { total: 3 }), event('OrderPaid', { amountCents: 300 })], {
          expectedVersion: 'no_stream',
        });
        const events = await store().readStream(id);
        expect(events.map((e) => [e.type, e.data, e.streamId, e.streamVersion])).toEqual([
          ['OrderPlaced', { total: 3 }, id, 1],
          ['OrderPaid', { amountCents: 300 }, id, 2],
        ]);
        expect(events[1]!.globalPosition).toBeGreaterThan(events[0]!.globalPosition);
        expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
        for (const e of events) {
          expect(typeof e.eventId).toBe('string');
          expect(e.recordedAt).toBeInstanceOf(Date);
          expect(Number.isNaN(e.recordedAt.getTime())).toBe(false);
          expect(e.transactionId).toBe(result.transactionId);
        }
        expect(result.streams).toEqual([{ streamId: id, streamVersion: 2, position: events[1]!.globalPosition, positions: events.map((e) => e.globalPosition) }]);
        expect(result.position).toBe(events[1]!.globalPosition);
      });

      it('returns no events for a stream that does not exist', async () => {
        expect(await store().readStream(stream('missing'))).toEqual([]);
      });

      it('reads a stream from a version on', async () => {
        const id = stream('cart');
        await store().appendToStream(id, [event('A'), event('B'), event('C'), event('D')], { expectedVersion: 'no_stream' });
        expect((await store().readStream(id, { fromVersion: 3 })).map((e) => [e.type, e.streamVersion])).toEqual([
          ['C', 3],
          ['D', 4],
        ]);
        expect(await store().readStream(id, { fromVersion: 5 })).toEqual([]);
      });

      it('reads at most maxCount events, so fromVersion and maxCount page through a stream exactly', async () => {
        const id = stream('paged');
        const types = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
        await store().appendToStream(id, types.map((type) => event(type)), { expectedVersion: 'no_stream' });
        const all = await store().readStream(id);
        expect((await store().readStream(id, { fromVersion: 2, maxCount: 3 })).map((e) => [e.type, e.streamVersion])).toEqual([
          ['B', 2],
          ['C', 3],
          ['D', 4],
        ]);
        expect(await store().readStream(id, { maxCount: 0 })).toEqual([]);
        expect(await store().readStream(id, { maxCount: 100 })).toEqual(all);
        expect(await store().readStream(id, { fromVersion: 8, maxCount: 2 })).toEqual([]);
        expect(await store().readStream(stream('missing'), { maxCount: 2 })).toEqual([]);
        for (const maxCount of [1, 2, 3, 7]) {
          const paged: StoredEvent[] = [];
          for (let fromVersion = 1; ; ) {
            const page = await store().readStream(id, { fromVersion, maxCount });
            expect(page.length).toBeLessThanOrEqual(maxCount);
            if (page.length === 0) break;
            paged.push(...page);
            fromVersion = page.at(-1)!.streamVersion + 1;
          }
          expect(paged).toEqual(all);
        }
      });

      it('round-trips metadata and nested data unchanged', async () => {
        const id = stream('meta');
        const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'user-1', schemaVersion: 2, tenant: { id: 't', tags: ['a', 'b'] } };
        const data = { lines: [{ sku: 'x"y\\z', quantity: 2 }], note: 'üñí ☃', empty: {}, nothing: null, flag: false };
        await store().appendToStream(id, [event('Noted', data, metadata)], { expectedVersion: 'any' });
        const [stored] = await store().readStream(id);
        expect(stored!.data).toEqual(data);
        expect(stored!.metadata).toEqual(metadata);
      });

      it('stores an event without metadata with empty metadata', async () => {
        const id = stream('bare');
        await store().appendToStream(id, [event('Bare')], { expectedVersion: 'any' });
        expect((await store().readStream(id))[0]!.metadata).toEqual({});
      });
    });

    describe('optimistic concurrency', () => {
      const expectConflict = async (promise: Promise<unknown>, streamId: string): Promise<void> => {
        const error = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StreamVersionConflict);
        expect((error as StreamVersionConflict).streamId).toBe(streamId);
      };

      it('creates a stream with no_stream or 0', async () => {
        const a = stream('new');
        const b = stream('new');
        await store().appendToStream(a, [event('Created')], { expectedVersion: 'no_stream' });
        await store().appendToStream(b, [event('Created')], { expectedVersion: 0 });
        expect((await store().readStream(a)).length).toBe(1);
        expect((await store().readStream(b)).length).toBe(1);
      });

      it('rejects no_stream and 0 for a stream that exists', async () => {
        const id = stream('existing');
        await store().appendToStream(id, [event('Created')], { expectedVersion: 'no_stream' });
        await expectConflict(store().appendToStream(id, [event('Again')], { expectedVersion: 'no_stream' }), id);
        await expectConflict(store().appendToStream(id, [event('Again')], { expectedVersion: 0 }), id);
        expect((await store().readStream(id)).map((e) => e.type)).toEqual(['Created']);
      });

      it('appends at the current version and rejects a stale one or one ahead of the stream', async () => {
        const id = stream('versioned');
        await store().appendToStream(id, [event('A'), event('B')], { expectedVersion: 'no_stream' });
        const result = await store().appendToStream(id, [event('C')], { expectedVersion: 2 });
        expect(result.streams[0]!.streamVersion).toBe(3);
        await expectConflict(store().appendToStream(id, [event('Stale')], { expectedVersion: 2 }), id);
        await expectConflict(store().appendToStream(id, [event('Ahead')], { expectedVersion: 5 }), id);
        const absent = stream('absent');
        await expectConflict(store().appendToStream(absent, [event('Ahead')], { expectedVersion: 1 }), absent);
        expect(await store().readStream(absent)).toEqual([]);
      });

      it('appends with any whatever the version', async () => {
        const id = stream('any');
        await store().appendToStream(id, [event('A')], { expectedVersion: 'any' });
        await store().appendToStream(id, [event('B'), event('C')], { expectedVersion: 'any' });
        expect((await store().readStream(id)).map((e) => e.streamVersion)).toEqual([1, 2, 3]);
      });

      it('lets exactly one of several concurrent appends at the same version win', async () => {
        const id = stream('race');
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => store().appendToStream(id, [event('Raced', { i })], { expectedVersion: 'no_stream' })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StreamVersionConflict);
        expect(await store().readStream(id)).toHaveLength(1);
      });

      it('serves concurrent appends with any without losing one', async () => {
        const id = stream('any-race');
        await Promise.all(Array.from({ length: 6 }, (_, i) => store().appendToStream(id, [event('Raced', { i })], { expectedVersion: 'any' })));
        expect((await store().readStream(id)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
      });

      it('checks the expected version of an append without events', async () => {
        const id = stream('empty-append');
        await expectConflict(store().appendToStream(id, [], { expectedVersion: 3 }), id);
        const result = await store().appendToStream(id, [], { expectedVersion: 'no_stream' });
        expect(result.streams[0]!.streamVersion).toBe(0);
      });
    });

    describe('appending to several streams', () => {
      it('appends to all streams in one step, positions in input order', async () => {
        const order = stream('order');
        const product = stream('product');
        await store().appendToStream(product, [event('ProductAdded')], { expectedVersion: 'no_stream' });
        const result = await store().appendToStreams([
          { streamId: product, events: [event('StockReserved', { n: 1 })], expectedVersion: 1 },
          { streamId: order, events: [event('OrderPlaced'), event('OrderConfirmed')], expectedVersion: 'no_stream' },
        ]);
        const [reserved] = await store().readStream(product, { fromVersion: 2 });
        const placed = await store().readStream(order);
        expect(placed.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
        const positions = [reserved!, ...placed].map((e) => e.globalPosition);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(new Set([reserved!, ...placed].map((e) => e.transactionId)).size).toBe(1);
        expect(result.streams).toEqual([
          { streamId: product, streamVersion: 2, position: reserved!.globalPosition, positions: [reserved!.globalPosition] },
          { streamId: order, streamVersion: 2, position: placed[1]!.globalPosition, positions: placed.map((e) => e.globalPosition) },
        ]);
        expect(result.position).toBe(Math.max(...positions));
        expect(result.transactionId).toBe(reserved!.transactionId);
      });

      it('reports the global position of each appended event, per stream in order, as readStream reports them', async () => {
        const a = stream('a');
        const b = stream('b');
        const c = stream('c');
        const untouched = stream('untouched');
        await store().appendToStream(b, [event('B1')], { expectedVersion: 'no_stream' });
        await store().appendToStream(untouched, [event('U1')], { expectedVersion: 'no_stream' });
        const result = await store().appendToStreams([
          { streamId: a, events: [event('A1'), event('A2'), event('A3')], expectedVersion: 'no_stream' },
          { streamId: b, events: [event('B2'), event('B3')], expectedVersion: 1 },
          { streamId: untouched, events: [], expectedVersion: 1 },
          { streamId: c, events: [event('C1'), event('C2'), event('C3'), event('C4')], expectedVersion: 'any' },
        ]);
        const written = async (id: string, fromVersion = 1): Promise<number[]> =>
          (await store().readStream(id, { fromVersion })).map((e) => e.globalPosition);
        const [untouchedHead] = await written(untouched);
        expect(result.streams).toEqual([
          { streamId: a, streamVersion: 3, position: (await written(a)).at(-1), positions: await written(a) },
          { streamId: b, streamVersion: 3, position: (await written(b)).at(-1), positions: await written(b, 2) },
          { streamId: untouched, streamVersion: 1, position: untouchedHead, positions: [] },
          { streamId: c, streamVersion: 4, position: (await written(c)).at(-1), positions: await written(c) },
        ]);
        const all = result.streams.flatMap((s) => s.positions);
        expect(new Set(all).size).toBe(9);
        expect(result.position).toBe(Math.max(...all));
        // the same across the single-event path and a stream appended to without events only
        const single = await store().appendToStream(a, [event('A4')], { expectedVersion: 3 });
        expect(single.streams[0]!.positions).toEqual(await written(a, 4));
        const none = await store().appendToStream(a, [], { expectedVersion: 4 });
        expect(none.streams[0]!.positions).toEqual([]);
      });

      it('writes nothing to any stream when one expectation fails', async () => {
        const a = stream('a');
        const b = stream('b');
        const c = stream('c');
        await store().appendToStream(b, [event('B1'), event('B2')], { expectedVersion: 'no_stream' });
        const before = await headCursor();
        const error = await store()
          .appendToStreams([
            { streamId: a, events: [event('A1')], expectedVersion: 'no_stream' },
            { streamId: b, events: [event('B3')], expectedVersion: 1 },
            { streamId: c, events: [event('C1')], expectedVersion: 'any' },
          ])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StreamVersionConflict);
        expect((error as StreamVersionConflict).streamId).toBe(b);
        expect(await store().readStream(a)).toEqual([]);
        expect(await store().readStream(b)).toHaveLength(2);
        expect(await store().readStream(c)).toEqual([]);
        expect(await readAllAfter(before)).toEqual([]);
      });

      it('refuses the same stream twice in one append', async () => {
        const id = stream('twice');
        await expect(
          store().appendToStreams([
            { streamId: id, events: [event('A')], expectedVersion: 'any' },
            { streamId: id, events: [event('B')], expectedVersion: 'any' },
          ]),
        ).rejects.toThrow();
        expect(await store().readStream(id)).toEqual([]);
      });
    });

    describe('reading the log', () => {
      it('returns the events after a cursor in order, and pages without gaps or duplicates', async () => {
        const before = await headCursor();
        const x = stream('x');
        const y = stream('y');
        await store().appendToStream(x, [event('X1'), event('X2')], { expectedVersion: 'no_stream' });
        await store().appendToStreams([
          { streamId: y, events: [event('Y1')], expectedVersion: 'no_stream' },
          { streamId: x, events: [event('X3')], expectedVersion: 2 },
        ]);
        const lastAppend = await store().appendToStream(y, [event('Y2'), event('Y3'), event('Y4')], { expectedVersion: 1 });
        await visibleThrough({ transactionId: lastAppend.transactionId, position: lastAppend.position });

        const all = await store().readAll({ after: before, limit: 1000 });
        expect(all.map((e) => e.type)).toEqual(['X1', 'X2', 'Y1', 'X3', 'Y2', 'Y3', 'Y4']);
        for (let i = 1; i < all.length; i++) expect(compareCursors(cursorOf(all[i - 1]!), cursorOf(all[i]!))).toBeLessThan(0);

        for (const limit of [1, 2, 3]) {
          const paged: StoredEvent[] = [];
          for (let cursor = before; ; ) {
            const page = await store().readAll({ after: cursor, limit });
            expect(page.length).toBeLessThanOrEqual(limit);
            if (page.length === 0) break;
            paged.push(...page);
            cursor = cursorOf(page.at(-1)!);
          }
          expect(paged.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
        }
        // resuming from the middle of one append's events
        const third = all[2]!;
        expect((await store().readAll({ after: cursorOf(third), limit: 1000 })).map((e) => e.type)).toEqual(['X3', 'Y2', 'Y3', 'Y4']);
      });

      it('reads every event when asked for some types, with full data for those types only', async () => {
        const before = await headCursor();
        const s = stream('typed');
        const appended = await store().appendToStream(s, [event('Wanted', { n: 1 }), event('Other', { n: 2 }, { by: 'x' }), event('Wanted', { n: 3 })], { expectedVersion: 'no_stream' });
        await visibleThrough({ transactionId: appended.transactionId, position: appended.position });
        const full = await store().readAll({ after: before, limit: 10 });
        const typed = await store().readAll({ after: before, limit: 10, types: ['Wanted'] });
        // the same events, cursors and order: a reader passes the others without missing any
        expect(typed.map((e) => [e.type, e.eventId, e.globalPosition, e.transactionId, e.streamVersion])).toEqual(
          full.map((e) => [e.type, e.eventId, e.globalPosition, e.transactionId, e.streamVersion]),
        );
        for (const [i, e] of typed.entries()) {
          if (e.type === 'Wanted') expect(e).toEqual(full[i]);
          else expect([{}, full[i]!.data]).toContainEqual(e.data); // a marker, or the whole event
        }
      });

      it('returns nothing after the last event', async () => {
        await store().appendToStream(stream('tail'), [event('Last')], { expectedVersion: 'any' });
        expect(await store().readAll({ after: await headCursor(), limit: 10 })).toEqual([]);
      });

      it('returns from the start of the log with logStart', async () => {
        const appended = await store().appendToStream(stream('start'), [event('Any')], { expectedVersion: 'any' });
        await visibleThrough({ transactionId: appended.transactionId, position: appended.position });
        const first = await store().readAll({ after: logStart, limit: 1 });
        expect(first).toHaveLength(1);
      });
    });

    describe('head and cursors', () => {
      it('has no head while the store is empty', async () => {
        const empty = await factory();
        try {
          expect(await empty.store.head()).toBeUndefined();
          expect(await empty.store.readAll({ after: logStart, limit: 10 })).toEqual([]);
          expect(await empty.store.cursorAt(1)).toBeUndefined();
        } finally {
          await empty.close();
        }
      });

      it('reports the last event readers can see as the head', async () => {
        const id = stream('head');
        await store().appendToStream(id, [event('A'), event('B')], { expectedVersion: 'no_stream' });
        const last = (await store().readStream(id)).at(-1)!;
        await visibleThrough(cursorOf(last));
        const head = await store().head();
        expect(head?.cursor).toEqual(cursorOf(last));
        expect(head?.recordedAt.getTime()).toBe(last.recordedAt.getTime());
      });

      it('resolves a global position (a consistency token) to its cursor', async () => {
        const id = stream('token');
        const result = await store().appendToStream(id, [event('A'), event('B')], { expectedVersion: 'no_stream' });
        const [a, b] = await store().readStream(id);
        expect(await store().cursorAt(a!.globalPosition)).toEqual(cursorOf(a!));
        expect(await store().cursorAt(result.position)).toEqual({ transactionId: result.transactionId, position: b!.globalPosition });
        expect(await store().cursorAt(result.position + 1_000_000)).toBeUndefined();
      });
    });

    eventStoreCapabilityTests(
      {
        store,
        get openSibling() {
          return fixture?.openSibling?.bind(fixture);
        },
      },
      capabilities,
    );

    describe('subscribing', () => {
      it('wakes a subscriber after an append, and no longer once it unsubscribed', async () => {
        let calls = 0;
        const unsubscribe = store().subscribe(() => calls++);
        try {
          await pause(100); // a store may wake new subscribers once, when it starts listening
          const before = calls;
          await store().appendToStream(stream('wake'), [event('Woken')], { expectedVersion: 'any' });
          await until(() => calls > before);
        } finally {
          unsubscribe();
        }
        const after = calls;
        await store().appendToStream(stream('wake'), [event('Unheard')], { expectedVersion: 'any' });
        await pause(150);
        expect(calls).toBe(after);
      });
    });
  });
}
