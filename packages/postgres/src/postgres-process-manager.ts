// A process manager run as a projection: its instance states and its deadlines commit with its checkpoint, in one transaction.
import { compareCursors, cursorOf, stepProcess, type Event, type LogCursor, type ProcessManager, type ProjectionDefinition, type ScheduledDeadline, type StoredEvent } from '@twofold/core';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { cancelDeadlines } from './statements/cancel-deadlines.js';
import { advanceProcessReactions } from './statements/advance-process-reactions.js';
import { readProcessReactions } from './statements/read-process-reactions.js';
import { readProcessStates } from './statements/read-process-states.js';
import { registerProcessManager } from './statements/register-process-manager.js';
import { scheduleDeadlines } from './statements/schedule-deadlines.js';
import { writeProcessStates } from './statements/write-process-states.js';

export interface PostgresProcessManagerOptions {
  /** The projection version of its checkpoint. Default 1. */
  readonly version?: number;
}

/**
 * The process manager as a projection for the daemon, whose store must be the event store's own database (the
 * deadlines live beside the log). Each batch, in the transaction that moves the checkpoint: the instances' states
 * are read, each event folded into its instance, its reactions turned into deadline rows (scheduled, moved or
 * cancelled), and the states written back. A crash before the commit leaves no deadline and no checkpoint move, so
 * the batch is applied again whole: every deadline is scheduled exactly once, by the event that asked for it.
 *
 * Replays are muted: the last event it reacted to is recorded with each batch, and events up to it met again (its
 * states rebuilt from the start of the log, say) only fold the states; nothing is scheduled or cancelled twice. On
 * its first run it reacts to the whole log: a process manager added to a long history acts on the past too.
 */
export function postgresProcessManager<State, E extends Event>(manager: ProcessManager<State, E>, options: PostgresProcessManagerOptions = {}): ProjectionDefinition<SqlSession> {
  const { version = 1 } = options;
  const reactedThrough = async (session: SqlSession): Promise<LogCursor> => {
    const row = (await runStatement<{ reacted_through_transaction: string | number; reacted_through_position: string | number }>(session, readProcessReactions, [manager.name])).rows[0];
    return row === undefined ? { transactionId: 0, position: 0 } : { transactionId: Number(row.reacted_through_transaction), position: Number(row.reacted_through_position) };
  };
  return {
    name: manager.name,
    version,
    handles: manager.handles,
    setup: async (session) => void (await runStatement(session, registerProcessManager, [manager.name])),
    async apply(events, session) {
      const relevant = events as readonly StoredEvent<E>[];
      if (relevant.length === 0) return;
      const muteThrough = await reactedThrough(session);
      const instances = [...new Set(relevant.map((event) => manager.instanceOf(event)))];
      const { rows } = await runStatement<{ instance: string; state: State; last_position: string | number }>(session, readProcessStates, [manager.name, instances]);
      const states = new Map<string, { state: State; position: number }>(rows.map((row) => [row.instance, { state: row.state, position: Number(row.last_position) }]));
      const finalOps = new Map<string, { deadline?: ScheduledDeadline; position: number; cancelled: boolean }>();
      for (const event of relevant) {
        const instance = manager.instanceOf(event);
        const current = states.get(instance);
        const step = stepProcess(manager, current?.state ?? manager.initialState, event, { muted: compareCursors(cursorOf(event), muteThrough) <= 0 });
        states.set(instance, { state: step.state, position: event.globalPosition });
        for (const deadline of step.scheduled) finalOps.set(deadline.id, { deadline, position: event.globalPosition, cancelled: false });
        for (const id of step.cancelled) {
          const earlier = finalOps.get(id);
          finalOps.set(id, { ...(earlier?.deadline === undefined ? {} : { deadline: earlier.deadline }), position: event.globalPosition, cancelled: true });
        }
      }
      const touched = instances.filter((instance) => states.has(instance));
      if (touched.length > 0) {
        const written = touched.map((instance) => ({ instance, state: states.get(instance)!.state, last_position: states.get(instance)!.position }));
        await runStatement(session, writeProcessStates, [manager.name, JSON.stringify(written)]);
      }
      const rowsToSchedule = [...finalOps.values()].flatMap(({ deadline, position, cancelled }) => (deadline === undefined ? [] : [deadlineRow(deadline, position, cancelled)]));
      if (rowsToSchedule.length > 0) await runStatement(session, scheduleDeadlines, [JSON.stringify(rowsToSchedule)]);
      const toCancel = [...finalOps].filter(([, op]) => op.cancelled && op.deadline === undefined).map(([id]) => id);
      if (toCancel.length > 0) await runStatement(session, cancelDeadlines, [toCancel]);
      const last = cursorOf(relevant.at(-1)!);
      await runStatement(session, advanceProcessReactions, [manager.name, last.transactionId, last.position]);
    },
  };
}

function deadlineRow(deadline: ScheduledDeadline, position: number, cancelled: boolean): Record<string, unknown> {
  return {
    id: deadline.id,
    process: deadline.process,
    instance: deadline.instance,
    name: deadline.name,
    due_at: deadline.dueAt.toISOString(),
    command: deadline.command,
    causation_id: deadline.causationId,
    correlation_id: deadline.correlationId,
    scheduled_by: position,
    status: cancelled ? 'cancelled' : 'pending',
  };
}
