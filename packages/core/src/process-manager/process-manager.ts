// Process managers: react to events with their own event-sourced state, issue commands and schedule or cancel deadlines.
import type { Event, StoredEvent } from '../messages.js';

/** A command as a process manager issues it: its metadata (time, ids) is given when it is sent, not when it is decided. */
export interface ProcessCommand {
  readonly type: string;
  readonly data: unknown;
}

/**
 * What a process manager wants done after an event. A deadline issues its command when due, unless cancelled first;
 * `send` is a deadline due when the event happened: a command issued at once, through the same exactly-once path. Each is named within its process instance: scheduling a name again moves a
 * pending deadline, and the name (with the process and instance) makes the id the fired command carries, so firing
 * it twice is appending it at most once.
 */
export type ProcessAction =
  | { readonly kind: 'schedule'; readonly name: string; readonly dueAt: Date; readonly command: ProcessCommand }
  | { readonly kind: 'cancel'; readonly name: string };

export const schedule = (name: string, dueAt: Date, command: ProcessCommand): ProcessAction => ({ kind: 'schedule', name, dueAt, command });
export const cancel = (name: string): ProcessAction => ({ kind: 'cancel', name });
export const send = (name: string, command: ProcessCommand, event: { readonly recordedAt: Date }): ProcessAction => schedule(name, event.recordedAt, command);

export interface ProcessManager<State, E extends Event = Event> {
  /** Names its state, its checkpoint and its deadlines. */
  readonly name: string;
  /** The event types it reacts to; others pass it by. */
  readonly handles: readonly E['type'][];
  /** The process instance an event belongs to (an order id, say): each instance has a state of its own. */
  readonly instanceOf: (event: StoredEvent<E>) => string;
  readonly initialState: State;
  /** The instance's state after the event. Pure; states are stored as JSON. */
  readonly evolve: (state: State, event: StoredEvent<E>) => State;
  /** What to do on the event, given the instance's state before it. Pure: time comes from the event. */
  readonly react: (state: State, event: StoredEvent<E>) => readonly ProcessAction[];
}

/** A deadline as stored: which process instance set it, when it is due, and what it issues then. */
export interface ScheduledDeadline {
  /** `<process>/<instance>/<name>`: also the fired command's id and idempotency key. */
  readonly id: string;
  readonly process: string;
  readonly instance: string;
  readonly name: string;
  readonly dueAt: Date;
  readonly command: ProcessCommand;
  /** The event that scheduled it: the fired command's causation, and its correlation. */
  readonly causationId: string;
  readonly correlationId: string;
}

export const deadlineIdOf = (process: string, instance: string, name: string): string => `${process}/${instance}/${name}`;

export interface ProcessStep<State> {
  readonly state: State;
  readonly scheduled: readonly ScheduledDeadline[];
  /** Ids of deadlines to cancel. */
  readonly cancelled: readonly string[];
}

/**
 * One event through a process instance: its next state and, unless `muted` (a replay or rebuild, which only
 * folds the state back), the deadlines it schedules and cancels.
 */
export function stepProcess<State, E extends Event>(
  manager: ProcessManager<State, E>,
  state: State,
  event: StoredEvent<E>,
  options: { readonly muted?: boolean } = {},
): ProcessStep<State> {
  const next = manager.evolve(state, event);
  if (options.muted === true) return { state: next, scheduled: [], cancelled: [] };
  const instance = manager.instanceOf(event);
  const scheduled: ScheduledDeadline[] = [];
  const cancelled: string[] = [];
  for (const action of manager.react(state, event)) {
    const id = deadlineIdOf(manager.name, instance, action.name);
    if (action.kind === 'cancel') {
      cancelled.push(id);
      continue;
    }
    if (Number.isNaN(action.dueAt.getTime())) throw new RangeError(`${manager.name} scheduled ${action.name} at an invalid time`);
    const correlationId = typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : event.eventId;
    scheduled.push({ id, process: manager.name, instance, name: action.name, dueAt: action.dueAt, command: action.command, causationId: event.eventId, correlationId });
  }
  return { state: next, scheduled, cancelled };
}

/** The instance's state folded from its events, with every reaction muted: what a replay or rebuild does. */
export function replayProcess<State, E extends Event>(manager: ProcessManager<State, E>, events: readonly StoredEvent<E>[], state: State = manager.initialState): State {
  return events.reduce((current, event) => manager.evolve(current, event), state);
}
