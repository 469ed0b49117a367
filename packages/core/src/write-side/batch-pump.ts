// Takes queued commands into batches and starts them: a bounded number in flight, no two holding one stream.
import { takeBatch } from './batch-decision.js';
import { runBatch, type BatchRunner } from './batch-run.js';
import { requeueWaiting } from './command-queue.js';
import type { AwaitedCommand } from './lost-outcome.js';
import type { StreamClaims } from './stream-claims.js';

/** A processor as its pump sees it: how its batches run, which streams they hold, and how many and how large they may be. */
export interface BatchPump extends BatchRunner {
  readonly claims: StreamClaims;
  readonly maxBatchSize: number;
  readonly maxBatchesInFlight: number;
}

/** A turn of the event loop: I/O already received (requests, their commands) is handled first. */
const afterPendingIo = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts batches while commands are queued and fewer than `maxBatchesInFlight` run; one pump runs at a time. */
export async function pump(processor: BatchPump): Promise<void> {
  const { queue, claims, maxBatchSize, maxBatchesInFlight } = processor;
  if (queue.pumping) return;
  queue.pumping = true;
  try {
    while (queue.queued.length > 0 && queue.inFlight.size < maxBatchesInFlight) {
      // let pending I/O (requests already received) queue their commands first: with an in-process database
      // such as PGlite nothing else would yield, and every batch would hold a single command
      await afterPendingIo();
      const [batch, rest] = takeBatch(queue.queued, claims, maxBatchSize);
      queue.queued = rest;
      if (batch.length === 0) break;
      startBatch(processor, batch);
    }
  } finally {
    queue.pumping = false;
  }
}

/** Runs the batch in flight; once it ends, its streams are free, the commands that waited may go again, and the pump goes on. */
function startBatch(processor: BatchPump, batch: readonly AwaitedCommand[]): void {
  const { queue, claims, loader } = processor;
  const owner = {};
  const running: Promise<void> = runBatch(processor, batch, { loader, claims, owner }).then((answeredAny) => {
    claims.release(owner);
    queue.inFlight.delete(running);
    // commands that waited for a stream go again once a batch that answered something ends (the holder
    // of their stream is such a batch, or waits for one), or once no batch holds any stream at all
    if (answeredAny || queue.inFlight.size === 0) requeueWaiting(queue);
    void pump(processor);
  });
  queue.inFlight.add(running);
}

/** Resolves once every command queued, waiting or in a batch in flight has been answered. */
export async function drainBatches(processor: BatchPump): Promise<void> {
  const { queue } = processor;
  while (queue.inFlight.size > 0 || queue.queued.length > 0 || queue.waiting.length > 0) {
    if (queue.inFlight.size > 0) await Promise.race(queue.inFlight);
    else {
      requeueWaiting(queue);
      void pump(processor);
      await afterPendingIo();
    }
  }
}
