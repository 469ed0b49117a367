// One command on one stream, without a long-lived processor: a processor that caches nothing, used once.
import type { Decider } from './decider.js';
import type { AppendResult, EventStore } from './event-store.js';
import type { Command, Event } from './messages.js';
import { createCommandProcessor } from './write-side/command-processor.js';
import { singleStreamDecider } from './write-side/multi-stream-decider.js';
import { streamModel } from './write-side/stream-model.js';

export interface CommandHandlerOptions {
  /** How many times to load-decide-append before giving up on a version conflict. Default 30. */
  readonly maxAttempts?: number;
  /** Upper bound of the random pause before a retry grows by this much per attempt. Default 2 ms. */
  readonly retryJitterMs?: number;
}

/**
 * Loads the stream, folds it, decides, appends at the version read; on a conflict reloads and decides again.
 * For many commands, a long-lived createCommandProcessor caches states and batches appends.
 */
export async function handleCommand<State, C extends Command, E extends Event>(
  store: EventStore,
  decider: Decider<State, C, E>,
  streamId: string,
  command: C,
  options: CommandHandlerOptions = {},
): Promise<AppendResult> {
  const processor = createCommandProcessor({ eventStore: store, cache: { maxEntries: 0 }, ...options });
  try {
    return await processor.execute(
      singleStreamDecider(command.type, streamModel('stream', decider), () => streamId, decider.decide),
      command,
    );
  } finally {
    await processor.close();
  }
}
