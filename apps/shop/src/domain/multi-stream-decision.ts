// A multi-stream decision whose writes may include facts no stream state can refuse, appended without an expected version.
import {
  handleMultiStreamCommand,
  type AppendResult,
  type CommandHandlerOptions,
  type CommandMetadata,
  type EventStore,
  type LoadedStream,
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

/**
 * Core's handleMultiStreamCommand with the unchecked writes appended as `any`: loads `streamIds`, decides,
 * appends every write in one atomic step, and on a version conflict of a checked stream decides again (bounded).
 */
export function handleDecision(
  store: EventStore,
  streamIds: readonly string[],
  decide: (streams: ReadonlyMap<string, LoadedStream>) => Decision,
  metadata: CommandMetadata,
  options: CommandHandlerOptions = {},
): Promise<AppendResult> {
  return handleMultiStreamCommand(
    store,
    streamIds,
    (streams) => {
      const { checked, unchecked } = decide(streams);
      const writes: StreamWrite[] = [...checked, ...unchecked.map((write) => ({ ...write, expectedVersion: 'any' as const }))];
      if (writes.every((write) => write.events.length === 0)) throw new Error('a decision handled here must write something');
      return writes;
    },
    metadata,
    options,
  );
}
