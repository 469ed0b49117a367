// The EventStore contract on wake-ups: a subscriber hears appends until it unsubscribes.
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

const until = async (condition: () => boolean, timeoutMs = 2_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function subscribingTests({ store, stream }: EventStoreSuite): void {
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
}
