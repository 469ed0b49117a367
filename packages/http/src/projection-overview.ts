// The state of every projection: checkpoint, lag behind the head of the log, status, dead letters, rebuild progress.
import type { LogHead, ProjectionCheckpoint, ProjectionRunnerStatus } from '@twofold/core';

/**
 * `failed`: its last batch failed (or it stopped at a poison event); `rebuilding`: a new generation is being built
 * beside the live one; `delayed`: lag above its threshold; `stopped`: paused by an operator; `catching-up`: more
 * than a batch behind; `running`: otherwise. Earlier in this list wins.
 */
export type ProjectionStatus = 'running' | 'catching-up' | 'rebuilding' | 'delayed' | 'stopped' | 'failed';

export interface ProjectionOverview {
  readonly name: string;
  /** Null when the projection has no checkpoint yet. */
  readonly version: number | null;
  readonly generation: number | null;
  readonly status: ProjectionStatus;
  readonly paused: boolean;
  readonly position: number;
  /** Head position minus checkpoint position (positions may have gaps, so an upper bound). */
  readonly lagEvents: number;
  /** Commit time of the head minus that of the last event applied, when behind; else 0. */
  readonly lagMs: number;
  readonly lagThresholdMs: number;
  readonly lastError: string | null;
  readonly deadLetters: number;
  readonly rebuild: { readonly generation: number; readonly version: number; readonly position: number; readonly lagEvents: number } | null;
  /** What this process does with it: `running` (it holds the lease), `standby`, … or null when it runs no daemon. */
  readonly runner: ProjectionRunnerStatus['state'] | null;
}

export interface OverviewInput {
  readonly checkpoints: readonly ProjectionCheckpoint[];
  readonly head: LogHead | undefined;
  /** The runners of this process, if it runs a daemon. */
  readonly runners: readonly ProjectionRunnerStatus[];
  /** Commit time of the first event of the log: the lag of a projection that has applied nothing. */
  readonly firstEventAt: Date | undefined;
  readonly lagThresholdsMs?: Readonly<Record<string, number>>;
  readonly defaultLagThresholdMs?: number;
  /** More events behind than this is `catching-up`. */
  readonly catchingUpEvents?: number;
}

export function projectionOverview(input: OverviewInput): ProjectionOverview[] {
  const { checkpoints, head, runners, firstEventAt, lagThresholdsMs = {}, defaultLagThresholdMs = 500, catchingUpEvents = 500 } = input;
  const headPosition = head?.cursor.position ?? 0;
  const names = [...new Set([...checkpoints.map((c) => c.name), ...runners.map((r) => r.name)])].sort();
  return names.map((name) => {
    const checkpoint = checkpoints.find((c) => c.name === name);
    const runner = runners.find((r) => r.name === name);
    const position = checkpoint?.cursor.position ?? 0;
    const lagEvents = Math.max(0, headPosition - position);
    const appliedUpTo = checkpoint?.lastEventAt ?? firstEventAt;
    const lagMs = lagEvents > 0 && head !== undefined && appliedUpTo !== undefined ? Math.max(0, head.recordedAt.getTime() - appliedUpTo.getTime()) : 0;
    const lagThresholdMs = (Object.hasOwn(lagThresholdsMs, name) ? lagThresholdsMs[name] : undefined) ?? defaultLagThresholdMs;
    const paused = checkpoint?.paused === true;
    const rebuild = checkpoint?.rebuild;
    const status: ProjectionStatus =
      runner?.state === 'failed' || runner?.state === 'failing'
        ? 'failed'
        : rebuild !== undefined
          ? 'rebuilding'
          : lagMs > lagThresholdMs
            ? 'delayed'
            : paused || runner?.state === 'paused'
              ? 'stopped'
              : lagEvents > catchingUpEvents
                ? 'catching-up'
                : 'running';
    return {
      name,
      version: checkpoint?.version ?? null,
      generation: checkpoint?.generation ?? null,
      status,
      paused,
      position,
      lagEvents,
      lagMs,
      lagThresholdMs,
      lastError: runner?.lastError ?? null,
      deadLetters: checkpoint?.deadLetterCount ?? 0,
      rebuild:
        rebuild === undefined
          ? null
          : { generation: rebuild.generation, version: rebuild.version, position: rebuild.cursor.position, lagEvents: Math.max(0, headPosition - rebuild.cursor.position) },
      runner: runner?.state ?? null,
    };
  });
}
