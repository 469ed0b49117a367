// Group commit for any event store: appends that arrive while one is in flight go together in one atomic append.
import { StoreUnavailable } from '../errors.js';
import type { AppendedStream, AppendOptions, AppendResult, EventStore, StreamAppend } from '../event-store.js';

export interface GroupCommitOptions {
  /** Most appends sent together. Default 256. */
  readonly maxGroupSize?: number;
}

interface Waiting {
  readonly appends: readonly StreamAppend[];
  readonly options: AppendOptions | undefined;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The store, with concurrent appendToStreams calls combined: while one group is being appended, new calls
 * queue, and the next group takes every queued call whose streams no earlier call of the group names.
 * Each call is answered with its own streams' versions and positions. When the store refuses a group for
 * a reason other than a lost connection (a version conflict, a value it cannot store), every call of it is
 * tried again on its own, so a refusal fails only the call that caused it; when the outcome is unknown
 * (StoreUnavailable), every call of the group is told so.
 */
export function groupCommit(store: EventStore, options: GroupCommitOptions = {}): EventStore {
  const { maxGroupSize = 256 } = options;
  if (!Number.isSafeInteger(maxGroupSize) || maxGroupSize < 1) throw new RangeError('maxGroupSize must be a positive integer');
  let queue: Waiting[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const group: Waiting[] = [];
        const named = new Set<string>();
        const later: Waiting[] = [];
        for (const waiting of queue) {
          const streams = waiting.appends.map((a) => a.streamId);
          if (group.length < maxGroupSize && streams.every((id) => !named.has(id))) {
            group.push(waiting);
            for (const id of streams) named.add(id);
          } else later.push(waiting);
        }
        queue = later;
        await appendGroup(group);
      }
    } finally {
      draining = false;
    }
  }

  async function appendGroup(group: readonly Waiting[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      return store.appendToStreams(only!.appends, only!.options).then(only!.resolve, only!.reject);
    }
    let result: AppendResult;
    try {
      const idempotencyKeys = group.flatMap((waiting) => waiting.options?.idempotencyKeys ?? []);
      result = await store.appendToStreams(group.flatMap((waiting) => waiting.appends), idempotencyKeys.length === 0 ? undefined : { idempotencyKeys });
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      await Promise.all(group.map((waiting) => store.appendToStreams(waiting.appends, waiting.options).then(waiting.resolve, waiting.reject)));
      return;
    }
    const byStream = new Map<string, AppendedStream>(result.streams.map((stream) => [stream.streamId, stream]));
    for (const waiting of group) {
      const streams = waiting.appends.map((append) => byStream.get(append.streamId)!);
      const written = streams.filter((s) => s.positions.length > 0);
      const position = Math.max(0, ...(written.length > 0 ? written : streams).map((s) => s.position));
      waiting.resolve({ streams, position, transactionId: result.transactionId });
    }
  }

  const appendToStreams = (appends: readonly StreamAppend[], options?: AppendOptions): Promise<AppendResult> =>
    new Promise((resolve, reject) => {
      const seen = new Set<string>();
      for (const { streamId } of appends) {
        if (seen.has(streamId)) return reject(new Error(`stream ${streamId} appears twice in one append`));
        seen.add(streamId);
      }
      queue.push({ appends, options, resolve, reject });
      if (!draining) void drain();
    });

  return {
    ...store,
    appendToStream: (streamId, events, { expectedVersion }) => appendToStreams([{ streamId, events, expectedVersion }]),
    appendToStreams,
  };
}
