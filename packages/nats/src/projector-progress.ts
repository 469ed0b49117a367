// What a partitioned projector knows of its own progress: its state, the workers alive, its counts and the
// partitions it runs, and the stats snapshot made of them.
import { messageOf } from './error-message.js';
import type { PartitionRun } from './partition-run.js';
import type { PartitionTail } from './partition-tail.js';

export interface PartitionRunStats {
  readonly partition: number;
  readonly fence: number;
  readonly sequence: number;
  readonly position: number;
  readonly applied: number;
  readonly idleAtTail: boolean;
}

export interface PartitionedProjectorStats {
  readonly worker: string;
  readonly state: 'idle' | 'connecting' | 'running' | 'stopped';
  readonly liveWorkers: readonly string[];
  readonly partitions: readonly PartitionRunStats[];
  /** Events applied by this process, and consumers recreated after a stall or failure. */
  readonly applied: number;
  readonly recreated: number;
  readonly tailSequence: number | undefined;
  readonly lastError: string | undefined;
}

/** The projector's mutable progress, shared by its connection loop, lease rounds, tail follower and partition runs. */
export interface ProjectorProgress {
  state: PartitionedProjectorStats['state'];
  liveWorkers: readonly string[];
  applied: number;
  recreated: number;
  lastError: string | undefined;
}

export function createProjectorProgress(): ProjectorProgress {
  return { state: 'idle', liveWorkers: [], applied: 0, recreated: 0, lastError: undefined };
}

export function recordError(progress: ProjectorProgress, error: unknown): void {
  progress.lastError = messageOf(error);
}

export function projectorStatsOf(worker: string, progress: ProjectorProgress, runs: Iterable<PartitionRun>, tail: PartitionTail): PartitionedProjectorStats {
  const idle = (run: PartitionRun): boolean => tail.idleAtTail(run.claim.partition, run.claim.sequence, run.clearBefore);
  return {
    worker,
    state: progress.state,
    liveWorkers: progress.liveWorkers,
    partitions: [...runs]
      .map((r) => ({ partition: r.claim.partition, fence: r.claim.fence, sequence: r.claim.sequence, position: r.claim.cursor.position, applied: r.applied, idleAtTail: idle(r) }))
      .sort((a, b) => a.partition - b.partition),
    applied: progress.applied,
    recreated: progress.recreated,
    tailSequence: tail.tail?.sequence,
    lastError: progress.lastError,
  };
}
