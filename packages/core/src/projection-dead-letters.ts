// Poison events: a batch whose projection keeps throwing is applied event by event; an event that still fails is
// parked as a dead letter (and its stream's later events behind it) or stops the projection, as it chose.
import { compareCursors, cursorOf, type LogCursor, type StoredEvent } from './messages.js';
import type { ProjectionAdministration, ProjectionCheckpoint } from './projection.js';
import { announceAllChanged, applyInTransaction, commitBatch } from './projection-batch-commit.js';
import { ProjectionApplyFailed, messageOf, reportFailure, type RunnerContext, type RunnerMemory } from './projection-runner-context.js';
import { sleep } from './sleep.js';

const parkedBehind = (event: StoredEvent): string => `parked behind an earlier dead letter of stream ${event.streamId}`;

/** Where a batch goes: after `from`, in the live generation (undefined) or a rebuild's. */
export interface BatchPlace {
  readonly from: LogCursor;
  readonly generation: number | undefined;
}

/**
 * Applies one batch of the log, retrying with backoff while the projection throws; a batch that keeps failing is
 * isolated event by event. Events of parked streams are parked behind their dead letter.
 */
export async function applyBatch<Session>(context: RunnerContext<Session>, memory: RunnerMemory, events: readonly StoredEvent[], place: BatchPlace, signal: AbortSignal): Promise<void> {
  const { settings, logger, handled } = context;
  const { parkedStreams } = memory;
  const relevant = events.filter((event) => handled.has(event.type));
  const ready = relevant.filter((event) => !parkedStreams.has(event.streamId));
  const blocked = relevant.filter((event) => parkedStreams.has(event.streamId)).map((event) => ({ event, error: parkedBehind(event) }));
  let backoff = settings.retryBackoffMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await commitBatch(context, { from: place.from, events: ready, last: events.at(-1)!, generation: place.generation, deadLetters: blocked });
      return;
    } catch (error) {
      if (!(error instanceof ProjectionApplyFailed)) throw error;
      reportFailure(context.status, error);
      logger.warn({ projection: context.projection.name, attempt, err: error.cause }, 'projection batch failed');
      if (attempt >= settings.maxApplyAttempts) break;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, settings.maxRetryBackoffMs);
      if (signal.aborted) throw error;
    }
  }
  await isolatePoisonEvents(context, memory, events, place);
}

/** Commits the batch one event at a time: the one that fails is parked (or stops the projection). */
async function isolatePoisonEvents<Session>(context: RunnerContext<Session>, memory: RunnerMemory, events: readonly StoredEvent[], place: BatchPlace): Promise<void> {
  const { generation } = place;
  let cursor = place.from;
  for (const event of events) {
    if (!context.handled.has(event.type)) continue;
    if (memory.parkedStreams.has(event.streamId)) {
      await commitBatch(context, { from: cursor, events: [], last: event, generation, deadLetters: [{ event, error: parkedBehind(event) }] });
    } else {
      try {
        await commitBatch(context, { from: cursor, events: [event], last: event, generation, deadLetters: [] });
      } catch (error) {
        if (!(error instanceof ProjectionApplyFailed)) throw error;
        await parkOrStop(context, memory, event, { from: cursor, generation }, error);
      }
    }
    cursor = cursorOf(event);
  }
  const last = events.at(-1)!;
  if (compareCursors(cursor, cursorOf(last)) < 0) await commitBatch(context, { from: cursor, events: [], last, generation, deadLetters: [] });
}

async function parkOrStop<Session>(context: RunnerContext<Session>, memory: RunnerMemory, event: StoredEvent, place: BatchPlace, error: ProjectionApplyFailed): Promise<void> {
  const { projection, administration, logger } = context;
  if (administration === undefined || projection.onPoisonEvent === 'stop') {
    if (administration !== undefined) await administration.setPaused(projection.name, true);
    reportFailure(context.status, error, 'failed');
    logger.error({ projection: projection.name, position: event.globalPosition, err: error.cause }, 'poison event: projection stopped');
    throw error;
  }
  await commitBatch(context, { from: place.from, events: [], last: event, generation: place.generation, deadLetters: [{ event, error: messageOf(error) }] });
  memory.parkedStreams.add(event.streamId);
  logger.error({ projection: projection.name, position: event.globalPosition, streamId: event.streamId, err: error.cause }, 'poison event parked as a dead letter');
}

/** Applies the dead letters again in log order, as an operator asked; a stream whose letter fails again stays parked. */
export async function retryDeadLetters<Session>(context: RunnerContext<Session>, administration: ProjectionAdministration<Session>, checkpoint: ProjectionCheckpoint): Promise<void> {
  const { name } = context.projection;
  const letters = [...(await administration.readDeadLetters(name))].sort((a, b) => compareCursors(cursorOf(a.event), cursorOf(b.event)));
  const stuck = new Set<string>();
  const failures: { id: string; error: string }[] = [];
  for (const letter of letters) {
    if (stuck.has(letter.event.streamId)) continue;
    try {
      await administration.retryDeadLetter(name, letter.id, applyInTransaction(context, context.handled.has(letter.event.type) ? [letter.event] : []));
      announceAllChanged(context, checkpoint.generation, checkpoint);
    } catch (error) {
      if (!(error instanceof ProjectionApplyFailed)) throw error;
      stuck.add(letter.event.streamId);
      failures.push({ id: letter.id, error: messageOf(error) });
    }
  }
  await administration.finishDeadLetterRetry(name, failures);
  context.logger.info({ projection: name, retried: letters.length, stillParked: failures.length }, 'dead letters retried');
}

/** The streams with a dead letter, as the store has them now. */
export async function readParkedStreams<Session>(context: RunnerContext<Session>): Promise<Set<string>> {
  const letters = context.administration === undefined ? [] : await context.administration.readDeadLetters(context.projection.name);
  return new Set(letters.map((letter) => letter.event.streamId));
}
