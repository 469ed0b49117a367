// The EventStore contract on the log: readAll in cursor order, paged without gaps, filtered by type without skipping.
import { compareCursors, cursorOf, logStart, type StoredEvent } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

export function readingTheLogTests({ store, stream, headCursor, visibleThrough }: EventStoreSuite): void {
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
}
