// The EventStore contract on expected versions: no_stream, a version or any, each checked, and one winner of a race.
import { StreamVersionConflict } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

export function optimisticConcurrencyTests({ store, stream }: EventStoreSuite): void {
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
}
