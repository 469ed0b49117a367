// What a failed append means: a stream version taken by a concurrent append (or missing: the expectation failed) is a
// StreamVersionConflict naming the stream; anything else is not a conflict.
import { StreamVersionConflict, type StreamAppend } from '@twofold/core';
import type { PostgresClient } from './postgres-client.js';
import { matches, readHeads } from './stream-heads.js';

const conflictDetail = /^Key \(stream_id, stream_version\)=\((.*), (\d+)\) already exists\.$/s;

/** The stream a unique violation names, when the server reported it. */
function conflictingStream(error: { detail?: unknown }): string | undefined {
  return typeof error.detail === 'string' ? conflictDetail.exec(error.detail)?.[1] : undefined;
}

/** The StreamVersionConflict a failed append means, or undefined when it failed for another reason. */
export async function conflictOf(client: PostgresClient, error: unknown, appends: readonly StreamAppend[]): Promise<StreamVersionConflict | undefined> {
  const { code, constraint, column } = (error ?? {}) as { code?: unknown; constraint?: unknown; column?: unknown };
  const versionTaken = code === '23505' && constraint === 'twofold_events_stream_version_key';
  const versionMissing = code === '23502' && column === 'stream_version';
  if (!versionTaken && !versionMissing) return undefined;
  const named = versionTaken ? appends.find((a) => a.streamId === conflictingStream(error as { detail?: unknown })) : undefined;
  // a lost race on an `any` stream is retried at once: no need to read the actual version
  if (named?.expectedVersion === 'any') return new StreamVersionConflict(named.streamId, 'any', undefined, { cause: error });
  const heads = await readHeads(client, appends.map((a) => a.streamId)).catch(() => undefined);
  const actual = (streamId: string): number | undefined => (heads === undefined ? undefined : (heads.get(streamId)?.version ?? 0));
  const append =
    named ??
    appends.find((a) => heads !== undefined && !matches(a.expectedVersion, actual(a.streamId)!)) ??
    appends.find((a) => a.expectedVersion !== 'any') ??
    appends[0]!;
  return new StreamVersionConflict(append.streamId, append.expectedVersion, actual(append.streamId), { cause: error });
}
