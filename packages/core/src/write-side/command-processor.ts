// The command processor: a process's commands queue, are decided in batches over cached stream states, and each batch is one atomic append.
import { randomUUID } from 'node:crypto';
import { StoreUnavailable, StreamVersionConflict } from '../errors.js';
import type { AppendResult, EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import type { Command } from '../messages.js';
import { sleep } from '../sleep.js';
import {
  decideBatch,
  takeBatch,
  type BatchContext,
  type Outcome,
  type WorkingSet,
  type WorkingStream,
} from './batch-decision.js';
import { answersOf, appendsOf, idempotencyKeysOf } from './batch-answers.js';
import { settleLostOutcome, type AwaitedCommand } from './lost-outcome.js';
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

type Pending = AwaitedCommand;

export function createCommandProcessor(options: CommandProcessorOptions): CommandProcessor {
  const { eventStore, snapshotStore, maxBatchSize = 256, maxBatchesInFlight = 4, maxAttempts = 30, retryJitterMs = 2, readPageSize = 10_000, outcomeLookupMs = 3_000, logger } = options;
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1) throw new RangeError('maxBatchSize must be a positive integer');
  if (!Number.isSafeInteger(maxBatchesInFlight) || maxBatchesInFlight < 1) throw new RangeError('maxBatchesInFlight must be a positive integer');
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  if (!Number.isSafeInteger(readPageSize) || readPageSize < 1) throw new RangeError('readPageSize must be a positive integer');
  const cache = isStateCache(options.cache) ? options.cache : createStateCache(options.cache);
  const loader = createStreamLoader({ eventStore, snapshotStore, cache, pageSize: readPageSize, logger });
  const counters: CommandProcessorCounters = Object.assign(loader.counters, { commands: 0, batches: 0, conflicts: 0 });
  const claims = createStreamClaims();
  let queue: Pending[] = [];
  /** Commands that met a stream another batch held: they go again once a batch ends. */
  let waiting: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  let pumping = false;
  let closed = false;

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && inFlight.size < maxBatchesInFlight) {
        // let pending I/O (requests already received) queue their commands first: with an in-process database
        // such as PGlite nothing else would yield, and every batch would hold a single command
        await new Promise<void>((resolve) => setImmediate(resolve));
        const [batch, rest] = takeBatch(queue, claims, maxBatchSize);
        queue = rest;
        if (batch.length === 0) break;
        const owner = {};
        const running: Promise<void> = runBatch(batch, { loader, claims, owner }).then((answeredAny) => {
          claims.release(owner);
          inFlight.delete(running);
          // commands that waited for a stream go again once a batch that answered something ends (the holder
          // of their stream is such a batch, or waits for one), or once no batch holds any stream at all
          if (answeredAny || inFlight.size === 0) {
            queue.unshift(...waiting);
            waiting = [];
          }
          void pump();
        });
        inFlight.add(running);
      }
    } finally {
      pumping = false;
    }
  }

  /** Decides and appends the batch, answering each command; false when every command had to wait instead. */
  async function runBatch(batch: readonly Pending[], context: BatchContext): Promise<boolean> {
    counters.batches++;
    try {
      for (let attempt = 1; ; attempt++) {
        const working: WorkingSet = new Map();
        const outcomes = await decideBatch(batch, working, context);
        if (outcomes.some((outcome) => outcome.kind === 'deferred')) {
          waiting.push(...batch.filter((_, index) => outcomes[index]!.kind === 'deferred'));
          const kept = batch.filter((_, index) => outcomes[index]!.kind !== 'deferred');
          // decisions are independent of deferred commands (those wrote nothing): keep them, with their outcomes
          batch = kept;
          outcomes.splice(0, outcomes.length, ...outcomes.filter((outcome) => outcome.kind !== 'deferred'));
          if (batch.length === 0) return false;
        }
        // a refusal (or a no-op) decided on a cached state must hold on the stored one: another process may have written
        if (attempt < maxAttempts && (await cachedStatesMoved(outcomes, working))) continue;
        const appends = appendsOf(working);
        if (appends.length === 0) return settle(batch, outcomes, working, undefined);
        let result: AppendResult;
        try {
          const idempotencyKeys = idempotencyKeysOf(batch, outcomes);
          result = await eventStore.appendToStreams(appends, idempotencyKeys.length === 0 ? undefined : { idempotencyKeys });
        } catch (error) {
          if (error instanceof StreamVersionConflict && attempt < maxAttempts) {
            counters.conflicts++;
            const stream = working.get(error.streamId);
            // only the tail after the cached version is read, or the stream whole if it was taken to be new
            if (stream?.model !== undefined) await loader.refresh(error.streamId, stream.model);
            else cache.delete(error.streamId);
            await sleep(Math.random() * retryJitterMs * attempt);
            continue;
          }
          for (const streamId of working.keys()) cache.delete(streamId);
          // sent, then the connection broke: it may have committed, so it must not be answered as if it had not
          if (error instanceof StoreUnavailable && error.statementSent) {
            await settleLostOutcome({ eventStore, outcomeLookupMs, logger, counters }, batch, outcomes, error);
            return true;
          }
          // a statement the store refused (not a lost connection, whose outcome is unknown): find whose it was
          if (batch.length > 1 && !(error instanceof StoreUnavailable) && !(error instanceof StreamVersionConflict)) {
            for (const pending of batch) if (!(await runBatch([pending], context))) waiting.push(pending);
            return true;
          }
          for (const pending of batch) pending.reject(error);
          return true;
        }
        return settle(batch, outcomes, working, result);
      }
    } catch (error) {
      // a fault of the processor or a loader read: no command may wait forever
      cache.clear();
      for (const pending of batch) pending.reject(error);
      return true;
    }
  }

  /** Re-reads the tails of cached or assumed-new streams that refused or unchanged commands saw; true when one had moved. */
  async function cachedStatesMoved(outcomes: readonly Outcome[], working: WorkingSet): Promise<boolean> {
    const doubtful = new Set<WorkingStream>();
    for (const outcome of outcomes) {
      if (outcome.kind === 'wrote' || outcome.kind === 'deferred') continue;
      for (const { streamId } of outcome.seen) {
        const stream = working.get(streamId);
        if (stream?.model !== undefined && !stream.verified) doubtful.add(stream);
      }
    }
    const moved = await Promise.all(
      [...doubtful].map(async (stream) => (await loader.refresh(stream.streamId, stream.model!)).version !== stream.base!.version),
    );
    return moved.includes(true);
  }

  /** Answers every command of the batch and remembers the states it appended. */
  function settle(batch: readonly Pending[], outcomes: readonly Outcome[], working: WorkingSet, result: AppendResult | undefined): true {
    const answers = answersOf(outcomes, working, result);
    batch.forEach((pending, index) => {
      const answer = answers[index];
      if (answer === undefined) return; // taken out of the batch before it was appended
      if ('error' in answer) return pending.reject(answer.error);
      counters.commands++;
      pending.resolve(answer.result);
    });
    const appended = new Map((result?.streams ?? []).map((stream) => [stream.streamId, stream]));
    for (const stream of working.values()) {
      if (stream.events.length === 0) continue;
      const written = appended.get(stream.streamId)!;
      if (stream.model === undefined) {
        // appended without being read: what the stream holds besides is unknown here
        cache.delete(stream.streamId);
        continue;
      }
      const { streamVersion: version, position } = written;
      const entry = { model: stream.model.name, state: stream.state, version, position, transactionId: result!.transactionId, snapshotVersion: stream.base!.snapshotVersion };
      cache.set(stream.streamId, entry);
      loader.snapshotIfDue(stream.streamId, stream.model, entry);
    }
    return true;
  }

  return {
    execute<C extends Command>(decider: MultiStreamDecider<C>, command: C): Promise<AppendResult> {
      if (closed) return Promise.reject(new StoreUnavailable('the command processor is closed'));
      return new Promise<AppendResult>((resolve, reject) => {
        // every command gets an id its events carry, so a lost append outcome can be looked up
        const identified = command.metadata.commandId === undefined ? { ...command, metadata: { ...command.metadata, commandId: randomUUID() } } : command;
        queue.push({ decider: decider as unknown as MultiStreamDecider<Command>, command: identified, resolve, reject });
        void pump();
      });
    },
    counters,
    async close() {
      closed = true;
      while (inFlight.size > 0 || queue.length > 0 || waiting.length > 0) {
        if (inFlight.size > 0) await Promise.race(inFlight);
        else {
          queue.unshift(...waiting);
          waiting = [];
          void pump();
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      await loader.settled();
    },
  };
}
