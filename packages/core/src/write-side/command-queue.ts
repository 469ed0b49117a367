// The command processor's commands not yet answered: queued for a batch, waiting for a held stream, or in a batch in flight.
import type { AwaitedCommand } from './lost-outcome.js';

export interface CommandQueue {
  /** Commands in arrival order, for the next batches to take. */
  queued: AwaitedCommand[];
  /** Commands that met a stream another batch held: they go again once a batch ends. */
  waiting: AwaitedCommand[];
  readonly inFlight: Set<Promise<void>>;
  /** True while a pump is taking batches off the queue: one at a time does. */
  pumping: boolean;
  /** True once the processor is closing: later commands are refused. */
  closed: boolean;
}

export const createCommandQueue = (): CommandQueue => ({ queued: [], waiting: [], inFlight: new Set(), pumping: false, closed: false });

/** Puts the waiting commands back at the head of the queue, ahead of those that arrived after them. */
export function requeueWaiting(queue: CommandQueue): void {
  queue.queued.unshift(...queue.waiting);
  queue.waiting = [];
}
