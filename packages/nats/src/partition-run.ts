// One partition while this worker holds it: an ordered consumer filtered to `<prefix>.<p>.>` after the partition's
// checkpoint, each batch committed with its checkpoint under the claim's fence; a refused batch ends the run.
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { CheckpointMoved, sleep, type Logger, type PartitionClaim, type PartitionLedger, type StoredEvent } from '@twofold/core';
import { partitionFilter } from './partition-subjects.js';
import type { PartitionTail } from './partition-tail.js';
import { readOrdered } from './ordered-reader.js';
import { decodeRelayedEvent } from './relayed-event.js';

export interface PartitionRun {
  claim: PartitionClaim;
  applied: number;
  /** Checked: no message of the partition between its checkpoint and where the tail follower began. */
  clearBefore: boolean;
  /** The tail follower's start (seenFrom) that a check asked again until answered is running for, if one is. */
  checkingClearFrom?: number | undefined;
  readonly abort: AbortController;
  done: Promise<void>;
}

export interface PartitionRunContext {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly ledger: PartitionLedger;
  readonly group: string;
  readonly streamName: string;
  readonly subjectPrefix: string;
  readonly batchSize: number;
  readonly tail: PartitionTail;
  readonly logger: Logger;
  /** Turns the events as relayed into what the projections read (e.g. opens sealed personal data); default as they are. */
  readonly readable?: ((events: StoredEvent[]) => Promise<StoredEvent[]>) | undefined;
  /** Told after each committed batch (how many events), and when the partition may have become idle at the tail. */
  readonly onApplied: (events: number) => void;
  readonly onIdleChanged: () => void;
  readonly onRecreate: () => void;
  readonly onError: (error: unknown) => void;
}

type ClearBeforeContext = Pick<PartitionRunContext, 'jsm' | 'streamName' | 'subjectPrefix' | 'tail' | 'onIdleChanged'>;

/**
 * Whether the partition has no message after its checkpoint and before the tail follower's first (asked of the stream
 * leader): only then can it be counted at the tail when idle. Answers false when the question could not be asked or
 * answered (an error: no stream leader during an election, say), leaving the run unchecked; true otherwise.
 */
export async function checkClearBefore(context: ClearBeforeContext, run: PartitionRun): Promise<boolean> {
  const from = context.tail.seenFrom;
  if (from === undefined || run.clearBefore) return true;
  const request = { seq: run.claim.sequence + 1, next_by_subj: partitionFilter(context.subjectPrefix, run.claim.partition) };
  let next: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>>;
  try {
    // the client types only `seq` and `last_by_subj`; the server (2.9) takes `next_by_subj` too
    next = await context.jsm.streams.getMessage(context.streamName, request as unknown as { seq: number });
  } catch {
    return false;
  }
  if (context.tail.seenFrom === from && (next === null || next.seq >= from)) {
    run.clearBefore = true;
    context.onIdleChanged();
  }
  return true;
}

/**
 * checkClearBefore, asked again after each failure (backing off from `retryMs` to `maxRetryMs`) until it is answered,
 * the run ends or the tail follower restarts (which asks again itself). A partition that receives no message has no
 * batch to ask again after: one unanswered check (a node lost, its stream leader being elected) would otherwise leave
 * it short of the tail for good, and every consistency token of its group waiting.
 */
export async function checkClearBeforeUntilAnswered(context: ClearBeforeContext, run: PartitionRun, retryMs = 250, maxRetryMs = 2_000): Promise<void> {
  const from = context.tail.seenFrom;
  // one asking at a time for a follower's start: batches that each found the check unanswered do not each start one
  if (from !== undefined && run.checkingClearFrom === from) return;
  run.checkingClearFrom = from;
  try {
    let delayMs = retryMs;
    while (!run.abort.signal.aborted && context.tail.seenFrom === from) {
      if (await checkClearBefore(context, run)) return;
      await sleep(delayMs, run.abort.signal);
      delayMs = Math.min(delayMs * 2, maxRetryMs);
    }
  } finally {
    if (run.checkingClearFrom === from) run.checkingClearFrom = undefined;
  }
}

export function startPartitionRun(context: PartitionRunContext, claim: PartitionClaim, signal: AbortSignal): PartitionRun {
  const { js, ledger, group, streamName, subjectPrefix, batchSize, logger } = context;
  const abort = new AbortController();
  signal.addEventListener('abort', () => abort.abort(), { once: true });
  const run: PartitionRun = { claim, applied: 0, clearBefore: false, abort, done: Promise.resolve() };
  const { partition } = claim;
  const handle = async (messages: readonly JsMsg[]): Promise<'continue' | 'stop'> => {
    const fresh = messages.filter((message) => message.seq > run.claim.sequence);
    if (fresh.length === 0) return 'continue';
    const relayed = fresh.map((message) => decodeRelayedEvent(subjectPrefix, { subject: message.subject, headers: message.headers, data: message.data }));
    const events = context.readable === undefined ? relayed : await context.readable(relayed);
    const last = events.at(-1)!;
    const toSequence = fresh.at(-1)!.seq;
    const toCursor = { transactionId: last.transactionId, position: last.globalPosition };
    try {
      await ledger.commit(group, { claim: run.claim, toSequence, toCursor, lastEventAt: last.recordedAt, events });
    } catch (error) {
      if (!(error instanceof CheckpointMoved)) throw error;
      logger.warn({ group, partition, fence: run.claim.fence }, 'partition lease lost: its batch was refused');
      abort.abort();
      return 'stop';
    }
    run.claim = { ...run.claim, sequence: toSequence, cursor: toCursor };
    run.applied += events.length;
    context.onApplied(events.length);
    // asked beside the batches, again until answered: the partition may receive nothing more to ask again after
    if (!run.clearBefore) void checkClearBeforeUntilAnswered(context, run);
    context.onIdleChanged();
    return 'continue';
  };
  run.done = (async () => {
    // asked beside the reading: a check that waits for a stream leader must not hold up the partition's batches
    void checkClearBeforeUntilAnswered(context, run);
    await readOrdered({
      js, streamName, filter: partitionFilter(subjectPrefix, partition), batchSize, signal: abort.signal, handle, logger,
      after: () => run.claim.sequence,
      behind: (delivered) => context.tail.lastSeenOf(partition) > delivered,
      onRecreate: context.onRecreate,
    });
  })().catch((error: unknown) => {
    context.onError(error);
    logger.error({ group, partition, err: error }, 'partition runner ended');
  });
  return run;
}
