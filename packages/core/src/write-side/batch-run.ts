// One batch run to its answers: decided, checked where decided on cached states, appended at once, retried after a conflict.
import { StoreUnavailable, StreamVersionConflict } from '../errors.js';
import type { AppendResult, EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import { sleep } from '../sleep.js';
import { appendsOf, idempotencyKeysOf } from './batch-answers.js';
import { decideBatch, type BatchContext, type Outcome, type WorkingSet, type WorkingStream } from './batch-decision.js';
import { settleBatch } from './batch-settlement.js';
import type { CommandQueue } from './command-queue.js';
import { settleLostOutcome, type AwaitedCommand } from './lost-outcome.js';
import type { StateCache } from './state-cache.js';
import type { StreamLoader } from './stream-loader.js';

/** What every batch of one processor runs with: its store, cache and loader, its counters and limits, and its queue. */
export interface BatchRunner {
  readonly eventStore: EventStore;
  readonly cache: StateCache;
  readonly loader: StreamLoader;
  readonly counters: { commands: number; batches: number; conflicts: number };
  /** How many times a batch is decided again after a version conflict before giving up. */
  readonly maxAttempts: number;
  /** Upper bound of the random pause before a retry grows by this much per attempt. */
  readonly retryJitterMs: number;
  /** How long a lost append outcome is looked up before answering OutcomeUnknown. */
  readonly outcomeLookupMs: number;
  readonly logger: Logger | undefined;
  /** Commands that meet a stream another batch holds wait in its `waiting`. */
  readonly queue: CommandQueue;
}

/** Decides and appends the batch, answering each command; false when every command had to wait instead. */
export async function runBatch(runner: BatchRunner, batch: readonly AwaitedCommand[], context: BatchContext): Promise<boolean> {
  const { eventStore, cache, maxAttempts } = runner;
  runner.counters.batches++;
  try {
    for (let attempt = 1; ; attempt++) {
      const working: WorkingSet = new Map();
      const outcomes = await decideBatch(batch, working, context);
      if (outcomes.some(isDeferred)) {
        // decisions are independent of deferred commands (those wrote nothing): keep them, with their outcomes
        batch = setDeferredAside(runner.queue, batch, outcomes);
        if (batch.length === 0) return false;
      }
      // a refusal (or a no-op) decided on a cached state must hold on the stored one: another process may have written
      if (attempt < maxAttempts && (await cachedStatesMoved(runner.loader, outcomes, working))) continue;
      const appends = appendsOf(working);
      if (appends.length === 0) return settleBatch(runner, batch, outcomes, working, undefined);
      let result: AppendResult;
      try {
        const idempotencyKeys = idempotencyKeysOf(batch, outcomes);
        result = await eventStore.appendToStreams(appends, idempotencyKeys.length === 0 ? undefined : { idempotencyKeys });
      } catch (error) {
        if (error instanceof StreamVersionConflict && attempt < maxAttempts) {
          await refreshAfterConflict(runner, error, working, attempt);
          continue;
        }
        return await answerFailedAppend(runner, batch, outcomes, working, error, context);
      }
      return settleBatch(runner, batch, outcomes, working, result);
    }
  } catch (error) {
    // a fault of the processor or a loader read: no command may wait forever
    cache.clear();
    for (const pending of batch) pending.reject(error);
    return true;
  }
}

const isDeferred = (outcome: Outcome): boolean => outcome.kind === 'deferred';

/** Moves the deferred commands to the queue's waiting ones and their outcomes out of `outcomes`; returns the commands kept. */
function setDeferredAside(queue: CommandQueue, batch: readonly AwaitedCommand[], outcomes: Outcome[]): AwaitedCommand[] {
  queue.waiting.push(...batch.filter((_, index) => outcomes[index]!.kind === 'deferred'));
  const kept = batch.filter((_, index) => outcomes[index]!.kind !== 'deferred');
  outcomes.splice(0, outcomes.length, ...outcomes.filter((outcome) => outcome.kind !== 'deferred'));
  return kept;
}

/** Re-reads the tails of cached or assumed-new streams that refused or unchanged commands saw; true when one had moved. */
async function cachedStatesMoved(loader: StreamLoader, outcomes: readonly Outcome[], working: WorkingSet): Promise<boolean> {
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

/** Another writer moved a stream first: its state is brought up to date, then a short random pause before the next attempt. */
async function refreshAfterConflict(
  { counters, loader, cache, retryJitterMs }: BatchRunner,
  conflict: StreamVersionConflict,
  working: WorkingSet,
  attempt: number,
): Promise<void> {
  counters.conflicts++;
  const stream = working.get(conflict.streamId);
  // only the tail after the cached version is read, or the stream whole if it was taken to be new
  if (stream?.model !== undefined) await loader.refresh(conflict.streamId, stream.model);
  else cache.delete(conflict.streamId);
  await sleep(Math.random() * retryJitterMs * attempt);
}

/** Answers the commands of a batch whose append failed and will not be retried as it was. */
async function answerFailedAppend(
  runner: BatchRunner,
  batch: readonly AwaitedCommand[],
  outcomes: readonly Outcome[],
  working: WorkingSet,
  error: unknown,
  context: BatchContext,
): Promise<true> {
  for (const streamId of working.keys()) runner.cache.delete(streamId);
  // sent, then the connection broke: it may have committed, so it must not be answered as if it had not
  if (error instanceof StoreUnavailable && error.statementSent) {
    await settleLostOutcome(runner, batch, outcomes, error);
    return true;
  }
  // a statement the store refused (not a lost connection, whose outcome is unknown): find whose it was
  if (batch.length > 1 && !(error instanceof StoreUnavailable) && !(error instanceof StreamVersionConflict)) {
    // a command that must wait when run alone is put in `waiting` by that run itself: adding it again ran it twice
    for (const pending of batch) await runBatch(runner, [pending], context);
    return true;
  }
  for (const pending of batch) pending.reject(error);
  return true;
}
