// The ProjectionStore contract on batches: the checkpoint moves with the writes, only from where the batch started, all or nothing.
import { CheckpointMoved, logStart } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import type { ProjectionStoreSuite } from './suite.js';

export function committingABatchTests<Session>({ store, model, projectionName, definition, advance, cursorOf }: ProjectionStoreSuite<Session>): void {
  describe('committing a batch', () => {
    it('moves the checkpoint and applies the batch together', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      await store().commitBatch(name, logStart, advance(5, 9), (session) => model().put(session, name, 'k', 'v1'));
      await store().commitBatch(name, { transactionId: 5, position: 9 }, advance(6, 10), (session) => model().put(session, name, 'k', 'v2'));
      expect(await model().get(name, 'k')).toBe('v2');
      const [checkpoint] = await store().readCheckpoints([name]);
      expect(checkpoint?.cursor).toEqual({ transactionId: 6, position: 10 });
      expect(checkpoint?.lastEventAt?.getTime()).toBe(advance(6, 10).lastEventAt.getTime());
    });

    it('throws CheckpointMoved and applies nothing when the checkpoint is not where the batch started', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      await store().commitBatch(name, logStart, advance(5, 9), async () => undefined);
      let applied = false;
      const error = await store()
        .commitBatch(name, logStart, advance(6, 10), async (session) => {
          applied = true;
          await model().put(session, name, 'k', 'stale');
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CheckpointMoved);
      expect(applied).toBe(false);
      expect(await model().get(name, 'k')).toBeUndefined();
      expect(await cursorOf(name)).toEqual({ transactionId: 5, position: 9 });
    });

    it('throws CheckpointMoved for a projection that was never prepared', async () => {
      await expect(store().commitBatch(projectionName(), logStart, advance(1, 1), async () => undefined)).rejects.toBeInstanceOf(CheckpointMoved);
    });

    it('leaves checkpoint and read model untouched when apply fails', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      const failure = new Error('poison event');
      await expect(
        store().commitBatch(name, logStart, advance(5, 9), async (session) => {
          await model().put(session, name, 'k', 'half-written');
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await model().get(name, 'k')).toBeUndefined();
      expect(await cursorOf(name)).toEqual(logStart);
      // and the projection carries on from where it was
      await store().commitBatch(name, logStart, advance(5, 9), (session) => model().put(session, name, 'k', 'ok'));
      expect(await model().get(name, 'k')).toBe('ok');
    });

    it('lets one of two batches racing from the same checkpoint commit', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      const results = await Promise.allSettled(
        ['a', 'b'].map((value, i) => store().commitBatch(name, logStart, advance(5, 9 + i), (session) => model().put(session, name, 'k', value))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(CheckpointMoved);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      expect(await model().get(name, 'k')).toBe(['a', 'b'][winner]);
      expect(await cursorOf(name)).toEqual({ transactionId: 5, position: 9 + winner });
    });
  });
}
