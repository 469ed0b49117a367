// The EventStore contract on the head of the log and on resolving a global position to its cursor.
import { cursorOf, logStart } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

export function headAndCursorsTests({ store, factory, stream, visibleThrough }: EventStoreSuite): void {
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
}
