// A multi-stream decision whose writes may include facts no stream state can refuse, appended without an expected version.
import {
  eventMetadataFor,
  StreamVersionConflict,
  type AppendResult,
  type CommandHandlerOptions,
  type CommandMetadata,
  type EventStore,
  type LoadedStream,
  type StreamAppend,
  type StreamWrite,
} from '@twofold/core';

export interface Decision {
  /** Writes to loaded streams, appended at the version they were decided on. */
  readonly checked: readonly StreamWrite[];
  /**
   * Writes no state of their stream could refuse (a merchant's charge follows from the payment alone):
   * appended with `any`, so these streams are neither read nor contended for.
   */
  readonly unchecked: readonly StreamWrite[];
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Like core's handleMultiStreamCommand: loads `streamIds`, decides, appends every write in one atomic
 * step, and on a version conflict of a checked stream reloads and decides again (bounded).
 */
export async function handleDecision(
  store: EventStore,
  streamIds: readonly string[],
  decide: (streams: ReadonlyMap<string, LoadedStream>) => Decision,
  metadata: CommandMetadata,
  options: CommandHandlerOptions = {},
): Promise<AppendResult> {
  const { maxAttempts = 30, retryJitterMs = 2 } = options;
  const inherited = eventMetadataFor(metadata);
  for (let attempt = 1; ; attempt++) {
    const loaded = new Map<string, LoadedStream>(
      await Promise.all(
        [...new Set(streamIds)].map(async (streamId) => {
          const events = await store.readStream(streamId);
          return [streamId, { streamId, version: events.at(-1)?.streamVersion ?? 0, events }] as const;
        }),
      ),
    );
    const { checked, unchecked } = decide(loaded);
    const append = (write: StreamWrite, expectedVersion: StreamAppend['expectedVersion']): StreamAppend => ({
      streamId: write.streamId,
      expectedVersion,
      events: write.events.map((event) => ({ ...event, metadata: { ...inherited, ...event.metadata } })),
    });
    const appends = [
      ...checked.filter((write) => write.events.length > 0).map((write) => {
        const version = loaded.get(write.streamId)?.version;
        if (version === undefined) throw new Error(`decision wrote to stream ${write.streamId}, which it did not load`);
        return append(write, version === 0 ? 'no_stream' : version);
      }),
      ...unchecked.filter((write) => write.events.length > 0).map((write) => append(write, 'any')),
    ];
    if (appends.length === 0) throw new Error('a decision handled here must write something');
    try {
      return await store.appendToStreams(appends);
    } catch (error) {
      if (!(error instanceof StreamVersionConflict) || attempt >= maxAttempts) throw error;
      await pause(Math.random() * retryJitterMs * attempt);
    }
  }
}
