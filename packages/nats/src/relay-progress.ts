// What the relay knows of its own progress: state, counts, the last acknowledged cursor and the log's head as heard of.
import type { LogCursor } from '@twofold/core';
import { messageOf } from './error-message.js';

export interface PublishedEvent {
  readonly cursor: LogCursor;
  /** Its sequence in the JetStream stream. */
  readonly streamSequence: number;
  readonly partition: number;
  /** From publish to acknowledgement. */
  readonly latencyMs: number;
}

export type RelayState = 'idle' | 'connecting' | 'standby' | 'running' | 'failing' | 'stopped';

export interface RelayStats {
  readonly state: RelayState;
  /** Events this process published and had acknowledged. */
  readonly published: number;
  /** Times the relay stopped its pipeline on a failed publish and resumed from the stream's last message. */
  readonly resumes: number;
  /** The log cursor of the last event the stream acknowledged, as far as this process knows. */
  readonly cursor: LogCursor | undefined;
  readonly streamSequence: number | undefined;
  /** Events in the log after the last acknowledged one (by global position), as far as this process has heard. */
  readonly lagEvents: number | undefined;
  readonly publishLatencyMs: { readonly count: number; readonly sum: number; readonly max: number };
  readonly lastError: string | undefined;
}

/** The relay's mutable progress, shared by its connection loop, lease loop and publishing pipeline. */
export interface RelayProgress {
  state: RelayState;
  published: number;
  resumes: number;
  cursor: LogCursor | undefined;
  streamSequence: number | undefined;
  headPosition: number | undefined;
  readonly latency: { count: number; sum: number; max: number };
  lastError: string | undefined;
}

export function createRelayProgress(): RelayProgress {
  return {
    state: 'idle',
    published: 0,
    resumes: 0,
    cursor: undefined,
    streamSequence: undefined,
    headPosition: undefined,
    latency: { count: 0, sum: 0, max: 0 },
    lastError: undefined,
  };
}

/** The log has reached `position`, as far as the relay has heard: raises the head used for the lag. */
export function heardOf(progress: RelayProgress, position: number): void {
  if (progress.headPosition === undefined || position > progress.headPosition) progress.headPosition = position;
}

export function recordFailure(progress: RelayProgress, error: unknown): void {
  progress.state = 'failing';
  progress.lastError = messageOf(error);
}

export function recordAcknowledged(progress: RelayProgress, cursor: LogCursor, streamSequence: number, latencyMs: number): void {
  progress.cursor = cursor;
  progress.streamSequence = streamSequence;
  progress.published++;
  progress.latency.count++;
  progress.latency.sum += latencyMs;
  progress.latency.max = Math.max(progress.latency.max, latencyMs);
}

export function relayStatsOf(progress: RelayProgress): RelayStats {
  const { headPosition, cursor } = progress;
  return {
    state: progress.state,
    published: progress.published,
    resumes: progress.resumes,
    cursor,
    streamSequence: progress.streamSequence,
    lagEvents: headPosition === undefined || cursor === undefined ? undefined : Math.max(0, headPosition - cursor.position),
    publishLatencyMs: { ...progress.latency },
    lastError: progress.lastError,
  };
}
