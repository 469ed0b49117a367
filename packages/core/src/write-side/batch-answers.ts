// What a decided batch appends, one append per stream with its commands' idempotency keys, and what each of its commands is answered once it has.
import type { AppendedStream, AppendResult, IdempotencyRecord, StreamAppend } from '../event-store.js';
import type { Outcome, QueuedCommand, SeenVersion, WorkingSet, WorkingStream } from './batch-decision.js';

/** One append per stream the batch wrote: at the version it was read at, or unchecked when it was never read. */
export function appendsOf(working: WorkingSet): StreamAppend[] {
  return [...working.values()]
    .filter((stream) => stream.events.length > 0)
    .map((stream) => ({
      streamId: stream.streamId,
      events: stream.events,
      expectedVersion: stream.base === undefined ? 'any' : stream.base.version === 0 ? 'no_stream' : stream.base.version,
    }));
}

export type Answer = { readonly result: AppendResult } | { readonly error: unknown };

/**
 * Each command's answer, by its place in the batch (undefined for a command that was deferred): its own
 * streams' versions and the positions of its own events, out of the batch's one append result. A command
 * that wrote nothing is answered with the newest position it read, so its token covers what it saw.
 */
export function answersOf(outcomes: readonly Outcome[], working: WorkingSet, result: AppendResult | undefined): (Answer | undefined)[] {
  const appended = new Map<string, AppendedStream>((result?.streams ?? []).map((stream) => [stream.streamId, stream]));
  const transactionId = result?.transactionId ?? 0;
  // the stream version of the first event the batch appended to each stream
  const firstVersion = (stream: WorkingStream): number => appended.get(stream.streamId)!.streamVersion - stream.events.length + 1;
  const positionSeen = ({ streamId, version }: SeenVersion): { position: number; transactionId: number } => {
    const stream = working.get(streamId)!;
    const base = stream.base!;
    if (version <= base.version) return { position: base.position, transactionId: base.transactionId };
    return { position: appended.get(streamId)!.positions[version - firstVersion(stream)]!, transactionId };
  };
  return outcomes.map((outcome): Answer | undefined => {
    switch (outcome.kind) {
      case 'deferred':
        return undefined;
      case 'rejected':
        return { error: outcome.error };
      case 'unchanged': {
        const streams = outcome.seen.map((seen) => ({ streamId: seen.streamId, streamVersion: seen.version, position: positionSeen(seen).position, positions: [] }));
        const newest = outcome.seen.map(positionSeen).reduce((a, b) => (b.position > a.position ? b : a), { position: 0, transactionId: 0 });
        return { result: { streams, position: newest.position, transactionId: newest.transactionId } };
      }
      case 'wrote': {
        const streams = outcome.writes.map(({ streamId, from, to }) => {
          const positions = appended.get(streamId)!.positions.slice(from, to);
          return { streamId, streamVersion: firstVersion(working.get(streamId)!) + to - 1, position: positions.at(-1)!, positions };
        });
        return { result: { streams, position: Math.max(...streams.map((s) => s.position)), transactionId } };
      }
    }
  });
}

/** The idempotency keys of the commands that wrote, to be stored with their events. */
export function idempotencyKeysOf(batch: readonly QueuedCommand[], outcomes: readonly Outcome[]): IdempotencyRecord[] {
  return batch.flatMap(({ command: { metadata } }, index) => {
    const outcome = outcomes[index]!;
    if (metadata.idempotency === undefined || outcome.kind !== 'wrote') return [];
    const { scope, key, requestHash } = metadata.idempotency;
    return [{ scope, key, requestHash, commandId: metadata.commandId!, correlationId: metadata.correlationId, streamId: outcome.writes[0]!.streamId }];
  });
}
