// The ProjectionStore contract on checkpoints: prepared at the log start, kept where batches leave them, read by name.
import { logStart } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import type { ProjectionStoreSuite } from './suite.js';

export function checkpointTests<Session>({ store, projectionName, definition, advance, cursorOf }: ProjectionStoreSuite<Session>): void {
  describe('checkpoints', () => {
    it('prepare runs setup and creates the checkpoint at the log start; again, it changes nothing', async () => {
      const name = projectionName();
      const setupCalls = { count: 0 };
      const first = await store().prepare(definition(name, setupCalls));
      expect(first).toMatchObject({ name, version: 3, cursor: logStart, lastEventAt: undefined });
      expect(first.updatedAt).toBeInstanceOf(Date);
      const second = await store().prepare(definition(name, setupCalls));
      expect(second.cursor).toEqual(logStart);
      expect(setupCalls.count).toBe(2);
    });

    it('prepare returns the checkpoint where the last batch left it', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      const to = advance(7, 12);
      await store().commitBatch(name, logStart, to, async () => undefined);
      const again = await store().prepare(definition(name));
      expect(again.cursor).toEqual({ transactionId: 7, position: 12 });
      expect(again.lastEventAt?.getTime()).toBe(to.lastEventAt.getTime());
    });

    it('reads the named checkpoints, or all', async () => {
      const a = projectionName();
      const b = projectionName();
      await store().prepare(definition(a));
      await store().prepare(definition(b));
      expect((await store().readCheckpoints([a])).map((c) => c.name)).toEqual([a]);
      expect((await store().readCheckpoints([b, a])).map((c) => c.name).sort()).toEqual([a, b].sort());
      expect(await store().readCheckpoints([projectionName()])).toEqual([]);
      const all = (await store().readCheckpoints()).map((c) => c.name);
      expect(all).toEqual(expect.arrayContaining([a, b]));
    });

    it('keeps large transaction ids and positions exact', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      await store().commitBatch(name, logStart, advance(2 ** 40 + 3, 2 ** 45 + 1), async () => undefined);
      expect(await cursorOf(name)).toEqual({ transactionId: 2 ** 40 + 3, position: 2 ** 45 + 1 });
    });
  });
}
