// One partition while this worker holds it: an ordered consumer filtered to `<prefix>.<p>.>` after the partition's
// checkpoint, each batch committed with its checkpoint under the claim's fence; a refused batch ends the run.
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { CheckpointMoved, type Logger, type PartitionClaim, type PartitionLedger, type StoredEvent } from '@twofold/core';
import { partitionFilter } from './partition-subjects.js';
import type { PartitionTail } from './partition-tail.js';
import { readOrdered } from './ordered-reader.js';
import { decodeRelayedEvent } from './relayed-event.js';

export interface PartitionRun {
  claim: PartitionClaim;
  applied: number;
  /** Checked: no message of the partition between its checkpoint and where the tail follower began. */
  clearBefore: boolean;
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

/**
 * Whether the partition has no message after its checkpoint and before the tail follower's first (asked of the stream
 * leader): only then can it be counted at the tail when idle. Unknown (an error) leaves it unchecked, to ask again.
 */
export async function checkClearBefore(context: Pick<PartitionRunContext, 'jsm' | 'streamName' | 'subjectPrefix' | 'tail' | 'onIdleChanged'>, run: PartitionRun): Promise<void> {
  const from = context.tail.seenFrom;
  if (from === undefined || run.clearBefore) return;
  const request = { seq: run.claim.sequence + 1, next_by_subj: partitionFilter(context.subjectPrefix, run.claim.partition) };
  let next: Awaited<ReturnType<JetStreamManager['streams']['getMessage']>>;
  try {
    // the client types only `seq` and `last_by_subj`; the server (2.9) takes `next_by_subj` too
    next = await context.jsm.streams.getMessage(context.streamName, request as unknown as { seq: number });
  } catch {
    return;
  }
  if (context.tail.seenFrom === from && (next === null || next.seq >= from)) {
    run.clearBefore = true;
    context.onIdleChanged();
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
    if (!run.clearBefore) await checkClearBefore(context, run);
    context.onIdleChanged();
    return 'continue';
  };
  run.done = (async () => {
    await checkClearBefore(context, run);
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
