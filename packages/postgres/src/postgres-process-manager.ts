// A process manager run as a projection: its instance states and its deadlines commit with its checkpoint, in one transaction.
import { stepProcess, type Event, type ProcessManager, type ProjectionDefinition, type ScheduledDeadline, type StoredEvent } from '@twofold/core';
import { execute, type PreparingSqlSession } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { cancelDeadlines } from './statements/cancel-deadlines.js';
import { readProcessStates } from './statements/read-process-states.js';
import { registerProcessManager } from './statements/register-process-manager.js';
import { scheduleDeadlines } from './statements/schedule-deadlines.js';
import { writeProcessStates } from './statements/write-process-states.js';

export interface PostgresProcessManagerOptions {
  /** Bump when `evolve` changes the meaning of stored states (they are then folded again; see `liveAfter`). Default 1. */
  readonly version?: number;
}

/**
 * The process manager as a projection for the daemon, whose store must be the event store's own database (the
 * deadlines live beside the log). Each batch, in the transaction that moves the checkpoint: the instances' states
 * are read, each event folded into its instance, its reactions turned into deadline rows (scheduled, moved or
 * cancelled), and the states written back. A crash before the commit leaves no deadline and no checkpoint move, so
 * the batch is applied again whole: every deadline is scheduled exactly once, by the event that asked for it.
 *
 * Replays are muted: events written before the process manager first ran (the log's last position then, recorded
 * once) only fold the states, so deploying one over a long history fires nothing for the past.
 */
export function postgresProcessManager<State, E extends Event>(manager: ProcessManager<State, E>, options: PostgresProcessManagerOptions = {}): ProjectionDefinition<SqlSession> {
  const { version = 1 } = options;
  let liveAfter: number | undefined;
  const register = async (session: SqlSession): Promise<number> => {
    for (;;) {
      const row = (await execute<{ live_after: string | number }>(session, registerProcessManager, [manager.name])).rows[0];
      if (row !== undefined) return (liveAfter = Number(row.live_after));
    }
  };
  return {
    name: manager.name,
    version,
    handles: manager.handles,
    setup: async (session) => void (await register(session)),
    async apply(events, session) {
      const muteUpTo = liveAfter ?? (await register(session));
      const relevant = events as readonly StoredEvent<E>[];
      const instances = [...new Set(relevant.map((event) => manager.instanceOf(event)))];
      const { rows } = await execute<{ instance: string; state: State; last_position: string | number }>(session, readProcessStates, [manager.name, instances]);
      const states = new Map<string, { state: State; position: number }>(rows.map((row) => [row.instance, { state: row.state, position: Number(row.last_position) }]));
      const finalOps = new Map<string, { deadline?: ScheduledDeadline; position: number; cancelled: boolean }>();
      for (const event of relevant) {
        const instance = manager.instanceOf(event);
        const current = states.get(instance);
        // a state already past this event (never, as the checkpoint moves with it; kept as a guard) is not moved back
        if (current !== undefined && current.position >= event.globalPosition) continue;
        const step = stepProcess(manager, current?.state ?? manager.initialState, event, { muted: event.globalPosition <= muteUpTo });
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
        await execute(session as PreparingSqlSession, writeProcessStates, [manager.name, JSON.stringify(written)]);
      }
      const rowsToSchedule = [...finalOps.values()].flatMap(({ deadline, position, cancelled }) => (deadline === undefined ? [] : [deadlineRow(deadline, position, cancelled)]));
      if (rowsToSchedule.length > 0) await execute(session, scheduleDeadlines, [JSON.stringify(rowsToSchedule)]);
      const toCancel = [...finalOps].filter(([, op]) => op.cancelled && op.deadline === undefined).map(([id]) => id);
      if (toCancel.length > 0) await execute(session, cancelDeadlines, [toCancel]);
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
