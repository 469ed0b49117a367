// A batch's settlement: every command answered from the batch's one append, and the states it appended cached.
import type { AppendResult } from '../event-store.js';
import { answersOf } from './batch-answers.js';
import type { Outcome, WorkingSet } from './batch-decision.js';
import type { AwaitedCommand } from './lost-outcome.js';
import type { StateCache } from './state-cache.js';
import type { StreamLoader } from './stream-loader.js';

export interface SettlementContext {
  readonly cache: StateCache;
  readonly loader: StreamLoader;
  /** Counts the commands answered with a result. */
  readonly counters: { commands: number };
}

/** Answers every command of the batch and remembers the states it appended. */
export function settleBatch(
  { cache, loader, counters }: SettlementContext,
  batch: readonly AwaitedCommand[],
  outcomes: readonly Outcome[],
  working: WorkingSet,
  result: AppendResult | undefined,
): true {
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
