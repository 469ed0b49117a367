// The one round trip between a runner and its store: a batch's read-model rows and its checkpoint move, in one transaction.
import { CheckpointMoved, StoreUnavailable } from './errors.js';
import { cursorOf, type LogCursor, type StoredEvent } from './messages.js';
import type { NewDeadLetter, ProjectionCheckpoint } from './projection.js';
import type { AppliedBatch, ChangedKeys } from './projection-runner-status.js';
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

/**
 * Tells the daemon's listeners that readers of the live generation may see any answer changed where no batch moved
 * the checkpoint: readers were switched to a rebuilt generation, or parked events were applied. Nothing applied, no
 * move (`after` and `cursor` are both `at`): progress listeners count nothing, an answer cache drops what it holds.
 */
export function announceAllChanged<Session>(context: RunnerContext<Session>, generation: number | undefined, at: ProjectionCheckpoint): void {
  const lastEventAt = at.lastEventAt ?? new Date(0);
  context.announce({ name: context.projection.name, generation, live: true, after: at.cursor, cursor: at.cursor, lastEventAt, applied: [], parked: 0, committedAt: new Date(), changed: 'all' });
}

/** The answers `events` may change, as the projection names them: `all` where it names none for some event. */
export function keysChangedBy<Session>(context: RunnerContext<Session>, events: readonly StoredEvent[]): ChangedKeys {
  const { keysChangedBy: keysOf } = context.projection;
  if (keysOf === undefined) return events.length === 0 ? [] : 'all';
  const keys = new Set<string>();
  for (const event of events) {
    const named = keysOf(event);
    if (named === undefined) return 'all';
    for (const key of named) keys.add(key);
  }
  return [...keys];
}

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
  const applied: AppliedBatch = {
    name,
    generation,
    live,
    after: from,
    cursor: to.cursor,
    lastEventAt: to.lastEventAt,
    applied: events,
    parked: deadLetters.length,
    committedAt: new Date(),
    changed: live ? keysChangedBy(context, events) : [],
  };
  context.announce(applied);
}
