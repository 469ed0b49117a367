import { describe, expect, it } from 'vitest';
import { partitionTail } from './partition-tail.js';

const point = (sequence: number) => ({ sequence, cursor: { transactionId: 1, position: sequence }, lastEventAt: new Date(sequence) });

describe('partitionTail', () => {
  it('counts a partition idle at the tail only when checked clear before the follower started and nothing it saw is unapplied', () => {
    const tail = partitionTail();
    expect(tail.idleAtTail(0, 0, true)).toBe(false);
    tail.restarted(9);
    expect(tail.seenFrom).toBe(10);
    tail.saw(1, point(10));
    tail.saw(0, point(11));
    tail.saw(1, point(12));
    expect(tail.tail?.sequence).toBe(12);
    expect(tail.idleAtTail(0, 10, true)).toBe(false);
    expect(tail.idleAtTail(0, 11, true)).toBe(true);
    expect(tail.idleAtTail(0, 11, false)).toBe(false);
    expect(tail.idleAtTail(2, 0, true)).toBe(true);
    expect(tail.idleAtTail(1, 11, true)).toBe(false);
  });

  it('forgets what it saw when the follower restarts', () => {
    const tail = partitionTail();
    tail.restarted(0);
    tail.saw(3, point(5));
    tail.restarted(4);
    expect(tail.tail).toBeUndefined();
    expect(tail.idleAtTail(3, 0, true)).toBe(false);
  });
});
