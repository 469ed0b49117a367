// Where the event stream ends, as one process follows it (headers only) and which partitions have nothing unapplied
// before that end: an idle partition stands at the tail, so a consistency token is reached without a new event in it.
import type { LogCursor } from '@twofold/core';

export interface TailPoint {
  readonly sequence: number;
  readonly cursor: LogCursor;
  readonly lastEventAt: Date;
}

export interface PartitionTail {
  /** The tail follower (re)started after `after`: what it saw before is unknown from here on. */
  restarted(after: number): void;
  /** A message the follower saw, in stream order. */
  saw(partition: number, point: TailPoint): void;
  readonly tail: TailPoint | undefined;
  /** The last sequence the follower saw of the partition (0: none since it started). */
  lastSeenOf(partition: number): number;
  /** The first sequence the follower saw since its last (re)start; undefined before it started. */
  readonly seenFrom: number | undefined;
  /**
   * Whether the partition, applied through `appliedSequence`, has nothing unapplied up to the tail. `clearBefore` is
   * true once it was checked that no message of it lies between its checkpoint and `seenFrom`.
   */
  idleAtTail(partition: number, appliedSequence: number, clearBefore: boolean): boolean;
}

export function partitionTail(): PartitionTail {
  const lastSeen = new Map<number, number>();
  let tail: TailPoint | undefined;
  let seenFrom: number | undefined;
  return {
    restarted(after) {
      lastSeen.clear();
      tail = undefined;
      seenFrom = after + 1;
    },
    saw(partition, point) {
      lastSeen.set(partition, point.sequence);
      if (tail === undefined || point.sequence > tail.sequence) tail = point;
    },
    get tail() {
      return tail;
    },
    lastSeenOf: (partition) => lastSeen.get(partition) ?? 0,
    get seenFrom() {
      return seenFrom;
    },
    idleAtTail(partition, appliedSequence, clearBefore) {
      if (tail === undefined || !clearBefore) return false;
      return (lastSeen.get(partition) ?? 0) <= appliedSequence;
    },
  };
}
