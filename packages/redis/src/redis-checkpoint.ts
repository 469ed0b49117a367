// How the Redis projection store keeps a checkpoint: JSON in the checkpoints hash, read and changed by the Lua scripts too.
import { logStart, type LogCursor, type ProjectionCheckpoint } from '@twofold/core';

// in the checkpoints hash, positions are decimal strings: Lua compares them exactly, and JSON numbers above 2^53 would not survive
export interface StoredRebuild {
  readonly generation: number;
  readonly version: number;
  readonly transactionId: string;
  readonly position: string;
  readonly lastEventAt: string | null;
  readonly startedAt: string;
}

export interface StoredCheckpoint {
  readonly version: number;
  /** Absent in checkpoints written before generations: 1. */
  readonly generation?: number;
  readonly transactionId: string;
  readonly position: string;
  readonly lastEventAt: string | null;
  readonly updatedAt: string;
  readonly paused?: boolean;
  readonly retryRequested?: boolean;
  readonly rebuild?: StoredRebuild | null;
}

export const cursorFrom = (stored: { transactionId: string; position: string }): LogCursor => ({ transactionId: Number(stored.transactionId), position: Number(stored.position) });
const dateOrUndefined = (iso: string | null): Date | undefined => (iso === null ? undefined : new Date(iso));

export const toCheckpoint = (name: string, json: string, deadLetterCount: number): ProjectionCheckpoint => {
  const stored = JSON.parse(json) as StoredCheckpoint;
  const rebuild = stored.rebuild ?? undefined;
  return {
    name,
    version: stored.version,
    cursor: cursorFrom(stored),
    lastEventAt: dateOrUndefined(stored.lastEventAt),
    updatedAt: new Date(stored.updatedAt),
    generation: stored.generation ?? 1,
    paused: stored.paused ?? false,
    retryRequested: stored.retryRequested ?? false,
    deadLetterCount,
    rebuild:
      rebuild === undefined
        ? undefined
        : { generation: rebuild.generation, version: rebuild.version, cursor: cursorFrom(rebuild), lastEventAt: dateOrUndefined(rebuild.lastEventAt), startedAt: new Date(rebuild.startedAt) },
  };
};

export const initialCheckpoint = (version: number, generation: number): string =>
  JSON.stringify({
    version,
    generation,
    transactionId: '0',
    position: String(logStart.position),
    lastEventAt: null,
    updatedAt: new Date().toISOString(),
    paused: false,
    retryRequested: false,
    rebuild: null,
  } satisfies StoredCheckpoint);
