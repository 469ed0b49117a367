// Command handling: load streams, fold, decide, append with the versions read; on a conflict reload and retry.
import type { Decider } from './decider.js';
import { StreamVersionConflict } from './errors.js';
import type { AppendResult, EventStore, StreamAppend } from './event-store.js';
import type { Command, CommandMetadata, Event, EventMetadata, StoredEvent } from './messages.js';

export interface CommandHandlerOptions {
  /** How many times to load-decide-append before giving up on a version conflict. */
  readonly maxAttempts?: number;
  /** Upper bound of the random pause before a retry grows by this much per attempt. */
  readonly retryJitterMs?: number;
}

export interface LoadedStream {
  readonly streamId: string;
  /** 0 when the stream does not exist. */
  readonly version: number;
  readonly events: readonly StoredEvent[];
}

export interface StreamWrite {
  readonly streamId: string;
  readonly events: readonly Event[];
  /**
   * `any`: append without checking the stream's version, for a fact no state of that stream could refuse
   * (a merchant's charge follows from a payment alone). Such a stream need not be loaded, nor is it contended for.
   */
  readonly expectedVersion?: 'any';
}

/** Metadata each event of a command inherits: who asked, and which request it belongs to. */
export const eventMetadataFor = (metadata: CommandMetadata): EventMetadata => ({
  correlationId: metadata.correlationId,
  causationId: metadata.causationId ?? metadata.correlationId,
  ...(metadata.actor === undefined ? {} : { actor: metadata.actor }),
});

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a decision over several streams and appends its events to all of them atomically, each
 * with the version it was decided on. Streams the decision may create must be listed too: they
 * load as version 0 and are appended with `no_stream`, so two creators cannot both succeed.
 */
export async function handleMultiStreamCommand(
  store: EventStore,
  streamIds: readonly string[],
  decide: (streams: ReadonlyMap<string, LoadedStream>) => readonly StreamWrite[],
  metadata: CommandMetadata,
  options: CommandHandlerOptions = {},
): Promise<AppendResult> {
  const { maxAttempts = 30, retryJitterMs = 2 } = options;
  for (let attempt = 1; ; attempt++) {
    const loaded = new Map<string, LoadedStream>(
      await Promise.all(
        [...new Set(streamIds)].map(async (streamId) => {
          const events = await store.readStream(streamId);
          return [streamId, { streamId, version: events.at(-1)?.streamVersion ?? 0, events }] as const;
        }),
      ),
    );
    const writes = decide(loaded).filter((write) => write.events.length > 0);
    if (writes.length === 0) return unchanged(loaded);
    const inherited = eventMetadataFor(metadata);
    const appends: StreamAppend[] = writes.map(({ streamId, events, expectedVersion }) => {
      const version = loaded.get(streamId)?.version;
      if (version === undefined && expectedVersion !== 'any') throw new Error(`decision wrote to stream ${streamId}, which it did not load`);
      return {
        streamId,
        expectedVersion: expectedVersion === 'any' ? 'any' : version === 0 ? 'no_stream' : version!,
        events: events.map((event) => ({ ...event, metadata: { ...inherited, ...event.metadata } })),
      };
    });
    try {
      return await store.appendToStreams(appends);
    } catch (error) {
      if (!(error instanceof StreamVersionConflict) || attempt >= maxAttempts) throw error;
      await pause(Math.random() * retryJitterMs * attempt);
    }
  }
}

/** Single-stream command handling with a decider. */
export function handleCommand<State, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<State, C, E>,
  streamId: string,
  command: C,
  options: CommandHandlerOptions = {},
): Promise<AppendResult> {
  return handleMultiStreamCommand(
    store,
    [streamId],
    (streams) => {
      const history = (streams.get(streamId)?.events ?? []) as readonly StoredEvent<E>[];
      const state = history.reduce<State>((current, event) => decider.evolve(current, event), decider.initialState);
      return [{ streamId, events: decider.decide(command, state) }];
    },
    command.metadata,
    options,
  );
}

/** A decision that wrote nothing still answers with a token: the newest position of what it read. */
function unchanged(loaded: ReadonlyMap<string, LoadedStream>): AppendResult {
  const streams = [...loaded.values()].map((stream) => ({
    streamId: stream.streamId,
    streamVersion: stream.version,
    position: stream.events.at(-1)?.globalPosition ?? 0,
  }));
  const newest = [...loaded.values()].flatMap((stream) => stream.events.slice(-1));
  const last = newest.reduce<StoredEvent | undefined>(
    (best, event) => (best === undefined || event.globalPosition > best.globalPosition ? event : best),
    undefined,
  );
  return { streams, position: last?.globalPosition ?? 0, transactionId: last?.transactionId ?? 0 };
}
