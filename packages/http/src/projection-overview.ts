// The state of every projection: checkpoint, lag behind the head of the log, and whether something runs it.
import type { LogHead, ProjectionCheckpoint, ProjectionRunnerStatus } from '@twofold/core';

/**
 * `running`: this process runs it, or its checkpoint moved recently (another process runs it);
 * `failing`: this process runs it and its last batch failed; `standby`: this process waits for another's lease;
 * `stopped`: this process stopped it; `unknown`: nothing here runs it and its checkpoint is quiet.
 */
export type ProjectionState = 'running' | 'failing' | 'standby' | 'stopped' | 'unknown';

export interface ProjectionOverview {
  readonly name: string;
  /** Null when the projection has no checkpoint yet. */
  readonly version: number | null;
  readonly status: ProjectionState;
  readonly position: number;
  /** Head position minus checkpoint position (positions may have gaps, so an upper bound). */
  readonly lagEvents: number;
  /** Commit time of the head minus that of the last event applied, when behind; else 0. */
  readonly lagMs: number;
  readonly lastError: string | null;
  /** What this process does with it: `running` (it holds the lease), `standby`, … or null when it runs no daemon. */
  readonly runner: ProjectionRunnerStatus['state'] | null;
}

export interface OverviewInput {
  readonly checkpoints: readonly ProjectionCheckpoint[];
  readonly head: LogHead | undefined;
  /** The runners of this process, if it runs a daemon. */
  readonly runners: readonly ProjectionRunnerStatus[];
  readonly now: Date;
  /** A checkpoint updated within this many ms counts as running somewhere. */
  readonly recentMs: number;
  /** Commit time of the first event of the log: the lag of a projection that has applied nothing. */
  readonly firstEventAt: Date | undefined;
}

export function projectionOverview(input: OverviewInput): ProjectionOverview[] {
  const { checkpoints, head, runners, now, recentMs, firstEventAt } = input;
  const headPosition = head?.cursor.position ?? 0;
  const names = [...new Set([...checkpoints.map((c) => c.name), ...runners.map((r) => r.name)])].sort();
  return names.map((name) => {
    const checkpoint = checkpoints.find((c) => c.name === name);
    const runner = runners.find((r) => r.name === name);
    const position = checkpoint?.cursor.position ?? 0;
    const lagEvents = Math.max(0, headPosition - position);
    const appliedUpTo = checkpoint?.lastEventAt ?? firstEventAt;
    const lagMs = lagEvents > 0 && head !== undefined && appliedUpTo !== undefined ? Math.max(0, head.recordedAt.getTime() - appliedUpTo.getTime()) : 0;
    const recent = checkpoint !== undefined && now.getTime() - checkpoint.updatedAt.getTime() <= recentMs;
    const status: ProjectionState =
      runner?.state === 'running' || runner?.state === 'failing'
        ? runner.state
        : recent
          ? 'running'
          : runner?.state === 'standby' || runner?.state === 'stopped'
            ? runner.state
            : 'unknown';
    return { name, version: checkpoint?.version ?? null, status, position, lagEvents, lagMs, lastError: runner?.lastError ?? null, runner: runner?.state ?? null };
  });
}
