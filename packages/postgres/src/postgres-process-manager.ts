// A process manager run as a projection: its instance states and its deadlines commit with its checkpoint, in one transaction.
import { compareCursors, cursorOf, stepProcess, type Event, type LogCursor, type ProcessManager, type ProjectionDefinition, type ScheduledDeadline, type StoredEvent } from '@twofold/core';
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { readProcessBatch } from './statements/read-process-batch.js';
import { registerProcessManager } from './statements/register-process-manager.js';
import { writeProcessBatch } from './statements/write-process-batch.js';

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
  /** The last event it reacted to, and the states of the batch's instances: one statement. */
  const batchStart = async (session: SqlSession, instances: readonly string[]) => {
    const { rows } = await runStatement<BatchStartRow<State>>(session, readProcessBatch, [manager.name, instances]);
    const first = rows[0];
    const muteThrough: LogCursor =
      first === undefined ? { transactionId: 0, position: 0 } : { transactionId: Number(first.reacted_through_transaction), position: Number(first.reacted_through_position) };
    const states = new Map<string, { state: State; position: number }>();
    for (const row of rows) if (row.instance !== null) states.set(row.instance, { state: row.state as State, position: Number(row.last_position) });
    return { muteThrough, states };
  };
  return {
    name: manager.name,
    version,
    handles: manager.handles,
    setup: async (session) => void (await runStatement(session, registerProcessManager, [manager.name])),
    async apply(events, session) {
      const relevant = events as readonly StoredEvent<E>[];
      if (relevant.length === 0) return;
      const instances = [...new Set(relevant.map((event) => manager.instanceOf(event)))];
      const { muteThrough, states } = await batchStart(session, instances);
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
      const written = touched.map((instance) => ({ instance, state: states.get(instance)!.state, last_position: states.get(instance)!.position }));
      const rowsToSchedule = [...finalOps.values()].flatMap(({ deadline, position, cancelled }) => (deadline === undefined ? [] : [deadlineRow(deadline, position, cancelled)]));
      const toCancel = [...finalOps].filter(([, op]) => op.cancelled && op.deadline === undefined).map(([id]) => id);
      const last = cursorOf(relevant.at(-1)!);
      // states, deadlines and the reaction mark in one statement (its parts touch disjoint rows)
      await runStatement(session, writeProcessBatch, [manager.name, JSON.stringify(written), JSON.stringify(rowsToSchedule), toCancel, last.transactionId, last.position]);
    },
  };
}

interface BatchStartRow<State> {
  readonly reacted_through_transaction: string | number;
  readonly reacted_through_position: string | number;
  /** Null on the one row of a batch none of whose instances has a state yet. */
  readonly instance: string | null;
  readonly state: State | null;
  readonly last_position: string | number | null;
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
