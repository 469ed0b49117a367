// What an append expects of its streams: checking an expectation, and naming the stream a version conflict was on.
import type { AppendedStream, ExpectedVersion } from '@twofold/core';

export interface StreamHead {
  readonly version: number;
  readonly position: number;
  readonly transactionId: number;
}

const conflictDetail = /^Key \(stream_id, stream_version\)=\((.*), (\d+)\) already exists\.$/s;

/** The stream a unique violation names, when the server reported it. */
export function conflictingStream(error: { detail?: unknown }): string | undefined {
  return typeof error.detail === 'string' ? conflictDetail.exec(error.detail)?.[1] : undefined;
}

export function checkExpectedVersion(expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream') return;
  if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`invalid expected version ${String(expected)}`);
}

/** A stream the append wrote no event to: as it stands. */
export const unchanged = (streamId: string, heads: ReadonlyMap<string, StreamHead>): AppendedStream => ({
  streamId,
  streamVersion: heads.get(streamId)?.version ?? 0,
  position: heads.get(streamId)?.position ?? 0,
  positions: [],
});

export const matches = (expected: ExpectedVersion, actual: number): boolean =>
  expected === 'any' || (expected === 'no_stream' ? actual === 0 : expected === actual);
