// The ProjectionStore contract on wake-ups: a subscriber hears committed batches until it unsubscribes.
import { logStart } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import type { ProjectionStoreSuite } from './suite.js';

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await pause(5);
  }
};

export function subscribingTests<Session>({ store, projectionName, definition, advance }: ProjectionStoreSuite<Session>): void {
  describe('subscribing', () => {
    it('wakes a subscriber after a batch commits, and no longer once it unsubscribed', async () => {
      const name = projectionName();
      await store().prepare(definition(name));
      let calls = 0;
      const unsubscribe = store().subscribe(() => calls++);
      try {
        await pause(100); // a store may wake new subscribers once, when it starts listening
        const before = calls;
        await store().commitBatch(name, logStart, advance(1, 1), async () => undefined);
        await until(() => calls > before);
      } finally {
        unsubscribe();
      }
      const after = calls;
      await store().commitBatch(name, { transactionId: 1, position: 1 }, advance(2, 2), async () => undefined);
      await pause(150);
      expect(calls).toBe(after);
    });
  });
}
