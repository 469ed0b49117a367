// The decider: three plain functions that hold a write model's rules.
import type { Event } from './messages.js';

export interface Decider<State, C, E extends Event> {
  readonly initialState: State;
  readonly evolve: (state: State, event: E) => State;
  /** Returns the events the command causes, or throws a typed domain error. Must be pure. */
  readonly decide: (command: C, state: State) => readonly E[];
}

export const fold = <State, E extends Event>(
  decider: Pick<Decider<State, never, E>, 'initialState' | 'evolve'>,
  events: readonly E[],
): State => events.reduce(decider.evolve, decider.initialState);
