// Gathering between live batches: windows of the interval, the same for every runner, at most one batch start each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gatheringEnd } from './projection-runner.js';

const startedAt = fc.integer({ min: 0, max: 2 ** 45 });
const interval = fc.integer({ min: 1, max: 10_000 });

describe('gatheringEnd', () => {
  it('is the first multiple of the interval after the batch started: within one interval, never at or before it', () => {
    fc.assert(
      fc.property(startedAt, interval, (started, ms) => {
        const end = gatheringEnd(started, ms);
        expect(end % ms).toBe(0);
        expect(end).toBeGreaterThan(started);
        expect(end - started).toBeLessThanOrEqual(ms);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is the same for batches that started in the same window, whenever in it they started', () => {
    fc.assert(
      fc.property(startedAt, interval, fc.nat(), fc.nat(), (started, ms, a, b) => {
        const windowStart = started - (started % ms);
        expect(gatheringEnd(windowStart + (a % ms), ms)).toBe(gatheringEnd(windowStart + (b % ms), ms));
      }),
      { numRuns: 1_000 },
    );
  });

  it('lets the next batch start in the next window at the earliest: one batch start per window', () => {
    fc.assert(
      fc.property(startedAt, interval, (started, ms) => {
        const next = gatheringEnd(started, ms);
        expect(Math.floor(next / ms)).toBe(Math.floor(started / ms) + 1);
      }),
      { numRuns: 1_000 },
    );
  });
});
