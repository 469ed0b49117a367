// The one round trip between a runner and its store: a batch's read-model rows and its checkpoint move, in one transaction.
import { CheckpointMoved, StoreUnavailable } from './errors.js';
import { cursorOf, type LogCursor, type StoredEvent } from './messages.js';
import type { NewDeadLetter } from './projection.js';
import type { AppliedBatch } from './projection-runner-status.js';
import { ProjectionApplyFailed, type RunnerContext } from './projection-runner-context.js';

export interface BatchToCommit {
  /** Where the checkpoint of `generation` must still be. */
  readonly from: LogCursor;
  /** The events the projection applies (the ones it handles, not parked). */
  readonly events: readonly StoredEvent[];
  /** The last event the batch covers: the checkpoint moves to it, applied or passed over. */
  readonly last: StoredEvent;
  /** A rebuild's generation; undefined for the live one. */
  readonly generation: number | undefined;
  readonly deadLetters: readonly NewDeadLetter[];
}

/**
 * Applies `events` with the session of the store's transaction. A throw of the projection's own becomes
 * ProjectionApplyFailed (a poison candidate); the store's failures pass as they are.
 */
export const applyInTransaction =
  <Session>(context: RunnerContext<Session>, events: readonly StoredEvent[]) =>
  async (session: Session): Promise<void> => {
    if (events.length === 0) return;
    try {
      await context.projection.apply(events, session);
    } catch (error) {
      if (error instanceof StoreUnavailable || error instanceof CheckpointMoved) throw error;
      throw new ProjectionApplyFailed(context.projection.name, error);
    }
  };

/** Commits the batch (both or neither: rows and checkpoint move), then records and announces the progress. */
export async function commitBatch<Session>(context: RunnerContext<Session>, batch: BatchToCommit): Promise<void> {
  const { name } = context.projection;
  const { from, events, last, generation, deadLetters } = batch;
  const to = { cursor: cursorOf(last), lastEventAt: last.recordedAt };
  await context.store.commitBatch(name, from, to, applyInTransaction(context, events), {
    ...(deadLetters.length === 0 ? {} : { deadLetters }),
    ...(generation === undefined ? {} : { generation }),
  });
  const live = generation === undefined;
  if (live) context.status.cursor = to.cursor;
  const applied: AppliedBatch = { name, generation, live, cursor: to.cursor, lastEventAt: to.lastEventAt, applied: events, parked: deadLetters.length, committedAt: new Date() };
  context.announce(applied);
}
