// One step of the live generation: read the next batch after the checkpoint (read ahead while catching up) and apply it.
import { compareCursors, cursorOf, type LogCursor, type StoredEvent } from './messages.js';
import type { ProjectionCheckpoint } from './projection.js';
import { applyBatch } from './projection-dead-letters.js';
import type { RunnerContext, RunnerMemory } from './projection-runner-context.js';

interface BatchRead {
  readonly after: LogCursor;
  readonly limit: number;
  readonly events: Promise<readonly StoredEvent[]>;
}

/** How the live generation reads the log: kept from step to step. */
export interface LiveReads {
  /** The next batch, read while the previous one was committing (catch-up only). */
  readAhead: BatchRead | undefined;
  /** How many events the next read asks for: batchSize, growing while batches come back full. */
  limit: number;
}

export const startLiveReads = (batchSize: number): LiveReads => ({ readAhead: undefined, limit: batchSize });

export interface LiveStep {
  /** How many events the step took; 0: nothing to do. */
  readonly taken: number;
  /** The batch was full: the runner is behind. */
  readonly full: boolean;
}

/**
 * The live batch after `after`: the one read ahead if it starts there, else a fresh read. A batch read ahead
 * is a prefix of the log as it stood a moment ago, as valid as any read: later events follow on the next one.
 */
function liveBatchAfter<Session>(context: RunnerContext<Session>, reads: LiveReads, after: LogCursor): BatchRead {
  const ahead = reads.readAhead;
  reads.readAhead = undefined;
  if (ahead !== undefined && compareCursors(ahead.after, after) === 0) return ahead;
  return { after, limit: reads.limit, events: context.tail.readAll(after, reads.limit) };
}

export async function stepLive<Session>(
  context: RunnerContext<Session>,
  memory: RunnerMemory,
  reads: LiveReads,
  checkpoint: ProjectionCheckpoint,
  signal: AbortSignal,
): Promise<LiveStep> {
  const { batchSize, catchUpBatchSize } = context.settings;
  const read = liveBatchAfter(context, reads, checkpoint.cursor);
  const events = await read.events;
  const full = events.length >= read.limit;
  // a full batch means the runner is behind: take more at a time, and read the next batch while this one
  // commits, so reading and applying overlap; a short one means it caught up
  reads.limit = full ? Math.min(read.limit * 2, catchUpBatchSize) : batchSize;
  if (events.length === 0) return { taken: 0, full };
  if (full) {
    const after = cursorOf(events.at(-1)!);
    reads.readAhead = { after, limit: reads.limit, events: context.tail.readAll(after, reads.limit) };
    // its failure surfaces if the batch is used, and is dropped with it if not
    reads.readAhead.events.catch(() => undefined);
  }
  await applyBatch(context, memory, events, { from: checkpoint.cursor, generation: undefined }, signal);
  return { taken: events.length, full };
}
