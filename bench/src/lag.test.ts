// Lag per event from the daemon's progress log: the first checkpoint at or past the event, in (transaction id, position) order.
import { describe, expect, it } from 'vitest';
import { asHeard, lagsOf, type ProgressEntry } from './lag.js';

describe('lagsOf', () => {
  const progress: ProgressEntry[] = [
    [1_010, 100, 5, 1_012],
    [1_050, 102, 3, 1_061],
    [1_090, 105, 9, 1_090],
  ];

  it('takes the time of the first batch whose cursor reached the event', () => {
    expect(lagsOf([{ transactionId: 100, position: 5, committedAtMs: 1_000 }], progress)).toEqual([10]);
    expect(lagsOf([{ transactionId: 101, position: 7, committedAtMs: 1_000 }], progress)).toEqual([50]);
  });

  it('compares by transaction id first: a lower position in a later transaction is reached later', () => {
    // position 2 is below the first cursor's position 5, but its transaction 102 committed after 100
    expect(lagsOf([{ transactionId: 102, position: 2, committedAtMs: 1_000 }], progress)).toEqual([50]);
  });

  it("times the same batches by when the HTTP thread heard of them", () => {
    expect(lagsOf([{ transactionId: 101, position: 7, committedAtMs: 1_000 }], asHeard(progress))).toEqual([61]);
    expect(lagsOf([{ transactionId: 100, position: 5, committedAtMs: 1_000 }], asHeard(progress))).toEqual([12]);
  });

  it('leaves an event no batch reached undefined, and never reports a negative lag', () => {
    expect(lagsOf([{ transactionId: 106, position: 1, committedAtMs: 1_000 }], progress)).toEqual([undefined]);
    expect(lagsOf([{ transactionId: 100, position: 1, committedAtMs: 2_000 }], progress)).toEqual([0]);
  });
});
