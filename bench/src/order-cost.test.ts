// The split of an order's cost into per batch and per order: exact on points on a line, least squares off it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitBatchCost, msPerOrder } from './order-cost.js';

describe('msPerOrder', () => {
  it('spreads the cores a part kept busy over the orders placed in the window', () => {
    // half a core for 20 s is 10,000 ms of CPU; over 3,340 orders, about 3 ms each
    expect(msPerOrder(0.5, 20_000, 3_340)).toBeCloseTo(2.994, 3);
  });

  it('is undefined when no order was placed', () => {
    expect(msPerOrder(0.5, 20_000, 0)).toBeUndefined();
  });
});

describe('fitBatchCost', () => {
  it('finds the line through points that lie on one: the cost of a batch and of an order', () => {
    const line = (batchesPerOrder: number) => ({ batchesPerOrder, projectorMsPerOrder: 5.4 * batchesPerOrder + 0.9 });
    const fit = fitBatchCost([line(0.6), line(0.24), line(0.12)])!;
    expect(fit.perBatchMs).toBeCloseTo(5.4, 9);
    expect(fit.perOrderMs).toBeCloseTo(0.9, 9);
  });

  it('recovers any line from two or more distinct points', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.uniqueArray(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 2, maxLength: 6, comparator: (a, b) => Math.abs(a - b) < 1e-3 }),
        (perBatchMs, perOrderMs, xs) => {
          const fit = fitBatchCost(xs.map((x) => ({ batchesPerOrder: x, projectorMsPerOrder: perBatchMs * x + perOrderMs })))!;
          expect(fit.perBatchMs).toBeCloseTo(perBatchMs, 6);
          expect(fit.perOrderMs).toBeCloseTo(perOrderMs, 6);
        },
      ),
    );
  });

  it('takes the least-squares line through points off a line', () => {
    // (0, 1), (1, 3), (2, 2): slope 0.5, intercept 1.5
    const fit = fitBatchCost([
      { batchesPerOrder: 0, projectorMsPerOrder: 1 },
      { batchesPerOrder: 1, projectorMsPerOrder: 3 },
      { batchesPerOrder: 2, projectorMsPerOrder: 2 },
    ])!;
    expect(fit.perBatchMs).toBeCloseTo(0.5, 9);
    expect(fit.perOrderMs).toBeCloseTo(1.5, 9);
  });

  it('gives no line from one batch rate, however often measured, or from figures that are not numbers', () => {
    expect(fitBatchCost([])).toBeUndefined();
    expect(fitBatchCost([{ batchesPerOrder: 0.5, projectorMsPerOrder: 3 }])).toBeUndefined();
    expect(fitBatchCost([{ batchesPerOrder: 0.5, projectorMsPerOrder: 3 }, { batchesPerOrder: 0.5, projectorMsPerOrder: 4 }])).toBeUndefined();
    expect(fitBatchCost([{ batchesPerOrder: 0.5, projectorMsPerOrder: 3 }, { batchesPerOrder: Number.NaN, projectorMsPerOrder: 4 }])).toBeUndefined();
  });
});
