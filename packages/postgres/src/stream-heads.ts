// Where streams stand (version, position of their last event, its transaction) and what an append expects of them.
import type { AppendedStream, ExpectedVersion } from '@twofold/core';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { readStreamHeads, type StreamHeadRow } from './statements/read-stream-heads.js';

export interface StreamHead {
  readonly version: number;
  readonly position: number;
  readonly transactionId: number;
}

export async function readHeads(client: PostgresClient, streamIds: readonly string[]): Promise<Map<string, StreamHead>> {
  const { rows } = await runStatement<StreamHeadRow>(client, readStreamHeads, [streamIds]);
  return new Map(rows.map((row) => [row.stream_id, { version: Number(row.stream_version), position: Number(row.global_position), transactionId: Number(row.xid) }]));
}

export function checkExpectedVersion(expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream') return;
  if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`invalid expected version ${String(expected)}`);
}

export const matches = (expected: ExpectedVersion, actual: number): boolean =>
  expected === 'any' || (expected === 'no_stream' ? actual === 0 : expected === actual);

/** A stream the append wrote no event to: as it stands. */
export const unchanged = (streamId: string, heads: ReadonlyMap<string, StreamHead>): AppendedStream => ({
  streamId,
  streamVersion: heads.get(streamId)?.version ?? 0,
  position: heads.get(streamId)?.position ?? 0,
  positions: [],
});
