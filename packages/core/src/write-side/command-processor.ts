// The command processor: a process's commands queue, are decided in batches over cached stream states, and each batch is one atomic append.
import { randomUUID } from 'node:crypto';
import { StoreUnavailable } from '../errors.js';
import type { AppendResult, EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import type { Command } from '../messages.js';
import { drainBatches, pump, type BatchPump } from './batch-pump.js';
import { createCommandQueue } from './command-queue.js';
import { createStreamClaims } from './stream-claims.js';
import type { MultiStreamDecider } from './multi-stream-decider.js';
import type { SnapshotStore } from './snapshot-store.js';
import { createStateCache, isStateCache, type StateCache, type StateCacheOptions } from './state-cache.js';
import { createStreamLoader, type LoaderCounters } from './stream-loader.js';

export interface CommandProcessorOptions {
  readonly eventStore: EventStore;
  /** Where snapshotted models keep their states; without one, streams are folded from the cache or the log. */
  readonly snapshotStore?: SnapshotStore;
  /** The state cache, or its bounds (default 10,000 streams, 64 MiB). `{ maxEntries: 0 }` caches nothing. */
  readonly cache?: StateCache | StateCacheOptions;
  /** Most commands decided and appended together. Default 256. */
  readonly maxBatchSize?: number;
  /**
   * How many batches may be appending at once. Batches in flight never share a stream (a command touching
   * a stream another batch holds waits for a later one), so they cannot conflict with each other. Default 4.
   */
  readonly maxBatchesInFlight?: number;
  /** How many times a batch is decided again after a version conflict (another process wrote) before giving up. Default 30. */
  readonly maxAttempts?: number;
  /** Upper bound of the random pause before a retry grows by this much per attempt. Default 2 ms. */
  readonly retryJitterMs?: number;
  /** Events per read when folding a long stream. Default 10,000. */
  readonly readPageSize?: number;
  /**
   * When the connection breaks after an append was sent, how long the processor keeps trying to look its
   * commands up (by command id) before answering OutcomeUnknown. Default 3,000 ms.
   */
  readonly outcomeLookupMs?: number;
  readonly logger?: Logger;
}

export interface CommandProcessorCounters extends LoaderCounters {
  commands: number;
  batches: number;
  /** Appends refused because another writer moved a stream first. */
  conflicts: number;
}

export interface CommandProcessor {
  /**
   * Decides the command over the current states of the streams it reads and appends its writes atomically.
   * Resolves with its own positions (the consistency token covers exactly its events) or rejects with the
   * decider's error, StreamVersionConflict when retries ran out, or the store's error.
   */
  execute<C extends Command>(decider: MultiStreamDecider<C>, command: C): Promise<AppendResult>;
  readonly counters: Readonly<CommandProcessorCounters>;
  /** Finishes queued commands and background snapshot writes; later commands are refused. */
  close(): Promise<void>;
}

/** The command, with a command id its events carry so that a lost append outcome can be looked up. */
const withCommandId = (command: Command): Command =>
  command.metadata.commandId === undefined ? { ...command, metadata: { ...command.metadata, commandId: randomUUID() } } : command;

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
}

export function createCommandProcessor(options: CommandProcessorOptions): CommandProcessor {
  const { eventStore, snapshotStore, maxBatchSize = 256, maxBatchesInFlight = 4, maxAttempts = 30, retryJitterMs = 2, readPageSize = 10_000, outcomeLookupMs = 3_000, logger } = options;
  requirePositiveInteger('maxBatchSize', maxBatchSize);
  requirePositiveInteger('maxBatchesInFlight', maxBatchesInFlight);
  requirePositiveInteger('maxAttempts', maxAttempts);
  requirePositiveInteger('readPageSize', readPageSize);
  const cache = isStateCache(options.cache) ? options.cache : createStateCache(options.cache);
  const loader = createStreamLoader({ eventStore, snapshotStore, cache, pageSize: readPageSize, logger });
  const counters: CommandProcessorCounters = Object.assign(loader.counters, { commands: 0, batches: 0, conflicts: 0 });
  const queue = createCommandQueue();
  const processor: BatchPump = {
    eventStore,
    cache,
    loader,
    counters,
    maxAttempts,
    retryJitterMs,
    outcomeLookupMs,
    logger,
    queue,
    claims: createStreamClaims(),
    maxBatchSize,
    maxBatchesInFlight,
  };

  return {
    execute<C extends Command>(decider: MultiStreamDecider<C>, command: C): Promise<AppendResult> {
      if (queue.closed) return Promise.reject(new StoreUnavailable('the command processor is closed'));
      return new Promise<AppendResult>((resolve, reject) => {
        queue.queued.push({ decider: decider as unknown as MultiStreamDecider<Command>, command: withCommandId(command), resolve, reject });
        void pump(processor);
      });
    },
    counters,
    async close() {
      queue.closed = true;
      await drainBatches(processor);
      await loader.settled();
    },
  };
}
