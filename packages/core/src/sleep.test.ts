import { describe, expect, it } from 'vitest';
import { createWakeSignal, sleep } from './sleep.js';

const elapsed = async (work: () => Promise<void>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

describe('sleep', () => {
  it('ends early when its signal aborts, and at once when it was aborted before', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    expect(await elapsed(() => sleep(10_000, controller.signal))).toBeLessThan(5_000);
    expect(await elapsed(() => sleep(10_000, controller.signal))).toBeLessThan(5_000);
  });
});

describe('createWakeSignal', () => {
  it('keeps a wake-up that came before the wait, once', async () => {
    const signal = createWakeSignal();
    signal.wake();
    expect(await elapsed(() => signal.wait(10_000))).toBeLessThan(5_000);
    // the wake-up was used: the next wait runs to its timeout
    expect(await elapsed(() => signal.wait(30))).toBeGreaterThanOrEqual(25);
  });

  it('ends a wait when woken or aborted, and does not wait at all on a signal aborted before', async () => {
    const signal = createWakeSignal();
    setTimeout(() => signal.wake(), 10);
    expect(await elapsed(() => signal.wait(10_000))).toBeLessThan(5_000);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    expect(await elapsed(() => signal.wait(10_000, controller.signal))).toBeLessThan(5_000);
    // the runner's case: the lease was lost while it was busy, then it goes to wait
    expect(await elapsed(() => signal.wait(10_000, controller.signal))).toBeLessThan(5_000);
  });
});
