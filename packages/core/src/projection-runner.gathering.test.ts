// Gathering between live batches: windows of the interval, the same for every runner, at most one batch start each.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchStart, gatheringEnd } from './projection-runner.js';

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

  it('puts a batch whose timer fired a moment before its boundary in the window it waited for, not the one before', () => {
    fc.assert(
      fc.property(startedAt, interval, fc.integer({ min: 1, max: 5 }), (started, ms, early) => {
        const waitedFor = gatheringEnd(started, ms);
        // the timer fired `early` ms before Date.now() reached the boundary (the event loop's clock runs behind it)
        const start = batchStart(waitedFor - early, waitedFor);
        expect(start).toBe(waitedFor);
        expect(gatheringEnd(start, ms)).toBe(waitedFor + ms);
      }),
      { numRuns: 1_000 },
    );
  });

  it('starts a batch at the moment it starts when that is after the boundary waited for, or when none was', () => {
    fc.assert(
      fc.property(startedAt, fc.integer({ min: 0, max: 10_000 }), (now, late) => {
        expect(batchStart(now, now - late)).toBe(now);
        expect(batchStart(now, 0)).toBe(now);
      }),
      { numRuns: 1_000 },
    );
  });
});
