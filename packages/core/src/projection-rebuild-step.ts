// One step of a rebuild: the new generation catches up beside the live one and readers switch the moment it reaches it.
import { compareCursors, cursorOf } from './messages.js';
import type { ProjectionAdministration, ProjectionCheckpoint } from './projection.js';
import { announceAllChanged } from './projection-batch-commit.js';
import { applyBatch } from './projection-dead-letters.js';
import type { RunnerContext, RunnerMemory } from './projection-runner-context.js';

/**
 * Catches up to the live checkpoint, never past it, and switches the moment it is reached, before the live
 * generation moves on (else under steady writes it would stay one step behind). True when it made progress.
 */
export async function stepRebuild<Session>(
  context: RunnerContext<Session>,
  memory: RunnerMemory,
  administration: ProjectionAdministration<Session>,
  checkpoint: ProjectionCheckpoint,
  signal: AbortSignal,
): Promise<boolean> {
  const { projection, tail, settings, logger } = context;
  const rebuild = checkpoint.rebuild!;
  if (!memory.preparedGenerations.has(rebuild.generation)) {
    await administration.prepareGeneration(projection, rebuild.generation);
    memory.preparedGenerations.add(rebuild.generation);
  }
  let reached = rebuild.cursor;
  if (compareCursors(reached, checkpoint.cursor) < 0) {
    const events = (await tail.readAll(reached, settings.catchUpBatchSize)).filter((event) => compareCursors(cursorOf(event), checkpoint.cursor) <= 0);
    if (events.length === 0) return false;
    await applyBatch(context, memory, events, { from: reached, generation: rebuild.generation }, signal);
    reached = cursorOf(events.at(-1)!);
  }
  if (compareCursors(reached, checkpoint.cursor) === 0) {
    await administration.completeRebuild(projection.name, rebuild.generation, checkpoint.cursor);
    announceAllChanged(context, rebuild.generation, checkpoint);
    logger.info({ projection: projection.name, generation: rebuild.generation, position: checkpoint.cursor.position }, 'rebuild complete: readers switched');
  }
  return true;
}
