// The open loop's schedule (a ramp, then the rate), its warm-up left out of the counts, and the generator's own figures.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dueByOffsetMs, dueOffsetMs, runOpenLoop } from './load.js';

describe('the open-loop schedule', () => {
  it('without a ramp, operation n is due at n ÷ rate', () => {
    expect(dueOffsetMs(0, 100)).toBe(0);
    expect(dueOffsetMs(10, 100)).toBeCloseTo(100);
    expect(dueByOffsetMs(99.9, 100)).toBe(10);
    expect(dueByOffsetMs(100, 100)).toBe(11);
    expect(dueByOffsetMs(-1, 100)).toBe(0);
  });

  it('ramps from 0 to the rate: half the operations of steady running during the ramp, then the rate', () => {
    // 100/s ramped over 1 s: 50 operations in the ramp, then one every 10 ms
    expect(dueOffsetMs(49, 100, 1_000)).toBeLessThan(1_000);
    expect(dueOffsetMs(50, 100, 1_000)).toBeCloseTo(1_000);
    expect(dueOffsetMs(60, 100, 1_000)).toBeCloseTo(1_100);
    // the first operations are further apart than the last ones of the ramp
    expect(dueOffsetMs(1, 100, 1_000) - dueOffsetMs(0, 100, 1_000)).toBeGreaterThan(dueOffsetMs(49, 100, 1_000) - dueOffsetMs(48, 100, 1_000));
  });

  it('counts by offset as the inverse of the due times', () => {
    for (const n of [0, 1, 7, 49, 50, 51, 300]) {
      const due = dueOffsetMs(n, 100, 1_000);
      expect(dueByOffsetMs(due + 1e-6, 100, 1_000)).toBe(n + 1);
    }
  });
});

describe('runOpenLoop', () => {
  it('runs the warm-up but counts only the window, and reports that it kept its schedule', async () => {
    const result = await runOpenLoop({ ratePerSec: 200, warmupMs: 100, rampMs: 50, durationMs: 200, operation: () => sleep(1) });
    // 200/s for 200 ms
    expect(result.scheduled).toBe(40);
    expect(result.operations).toBe(40);
    expect(result.generator.targetPerSec).toBeCloseTo(200);
    expect(result.generator.scheduleLagMs.count).toBe(40);
    expect(result.generator.issuedPerSec).toBeGreaterThan(150);
  });

  it('shows a generator that fell behind: schedule lag and a lower issued rate', async () => {
    let blocked = false;
    const result = await runOpenLoop({
      ratePerSec: 500,
      durationMs: 200,
      operation: async () => {
        // the generator's own event loop stalls once for 100 ms
        if (!blocked) {
          blocked = true;
          const until = performance.now() + 100;
          while (performance.now() < until);
        }
      },
    });
    expect(result.generator.scheduleLagMs.maxMs).toBeGreaterThan(50);
  });
});
