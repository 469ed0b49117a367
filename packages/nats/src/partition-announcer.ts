// Tells gates where this worker's idle partitions stand: at the stream's tail they have nothing unapplied before,
// announced (NOTIFY) at once and written to their rows at most every `recordIntervalMs`, for gates that cannot hear
// announcements (one started later, one reading a streaming replica).
import type { PartitionLedger } from '@twofold/core';
import type { PartitionRun } from './partition-run.js';
import type { PartitionTail } from './partition-tail.js';

export interface PartitionAnnouncer {
  /** Something moved (the tail, a commit, a check): announce what is due within a few milliseconds. */
  schedule(): void;
  /** A partition taken anew, or the tail follower restarted (all): announce again from scratch. */
  forget(partition?: number): void;
  /** Writes idle positions to the rows, unless done within the interval. */
  record(): Promise<void>;
  close(): void;
}

export interface PartitionAnnouncerOptions {
  readonly ledger: PartitionLedger;
  readonly group: string;
  readonly tail: PartitionTail;
  readonly runs: () => Iterable<PartitionRun>;
  readonly recordIntervalMs: number;
}

export function partitionAnnouncer(options: PartitionAnnouncerOptions): PartitionAnnouncer {
  const { ledger, group, tail, runs, recordIntervalMs } = options;
  const idle = (run: PartitionRun): boolean => tail.idleAtTail(run.claim.partition, run.claim.sequence, run.clearBefore);
  let timer: NodeJS.Timeout | undefined;
  // each partition once per tail it reaches (one that became idle by committing its last message, at the tail it caught up with)
  const announcedAt = new Map<number, number>();
  let recordedAt = 0;
  let trailing: NodeJS.Timeout | undefined;

  async function record(): Promise<void> {
    const at = tail.tail;
    if (at === undefined) return;
    const waitMs = recordedAt + recordIntervalMs - Date.now();
    if (waitMs > 0) {
      // within the interval: once more at its end, so the last change is written too
      trailing ??= setTimeout(() => {
        trailing = undefined;
        void record();
      }, waitMs);
      return;
    }
    recordedAt = Date.now();
    const positions = [...runs()].filter(idle).map((r) => ({ partition: r.claim.partition, fence: r.claim.fence, cursor: at.cursor, lastEventAt: at.lastEventAt }));
    await ledger.recordPositions(group, positions).catch(() => undefined);
  }

  return {
    schedule() {
      timer ??= setTimeout(() => {
        timer = undefined;
        const at = tail.tail;
        if (at === undefined) return;
        const due = [...runs()].filter((run) => idle(run) && (announcedAt.get(run.claim.partition) ?? 0) < at.sequence);
        for (const run of due) announcedAt.set(run.claim.partition, at.sequence);
        ledger.announce(group, due.map((run) => ({ partition: run.claim.partition, cursor: at.cursor, lastEventAt: at.lastEventAt })));
        void record();
      }, 2);
    },
    forget(partition) {
      if (partition === undefined) announcedAt.clear();
      else announcedAt.delete(partition);
    },
    record,
    close() {
      clearTimeout(timer);
      clearTimeout(trailing);
    },
  };
}
