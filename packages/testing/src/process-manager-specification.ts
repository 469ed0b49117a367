// Given/when/then for process managers: given past events, when one more arrives, then these deadlines scheduled or cancelled.
import { stepProcess, type Event, type ProcessAction, type ProcessManager, type StoredEvent } from '@twofold/core';
import { expect } from 'vitest';
import { expectThrown, type ErrorClass } from './expect-thrown.js';
import { storedEvents, type GivenEvent } from './projection-specification.js';

export interface ProcessManagerThen<State> {
  /** The event leads to exactly these actions, in order (compared deeply). */
  then(expected: readonly ProcessAction[]): void;
  /** The event leads to no action. */
  thenNothing(): void;
  /** After the event the instance is in this state. */
  thenState(expected: State): void;
  thenThrows<Err extends Error>(errorClass: ErrorClass<Err>, predicate?: (error: Err) => boolean): void;
}

export interface ProcessManagerGiven<State> {
  when(event: GivenEvent): ProcessManagerThen<State>;
}

export interface ProcessManagerSpecification<State> {
  /** Past events of one instance, folded with their reactions muted (as a replay does). */
  given(events: readonly GivenEvent[]): ProcessManagerGiven<State>;
}

/** Events are stored in the order given (positions, versions and times drawn as `storedEvents` does). */
export function processManagerSpecification<State, E extends Event>(manager: ProcessManager<State, E>): ProcessManagerSpecification<State> {
  return {
    given: (events) => ({
      when: (event) => {
        const stored = storedEvents([...events, event]) as unknown as StoredEvent<E>[];
        const history = structuredClone(stored);
        const last = stored.at(-1)!;
        const run = () => {
          let state = manager.initialState;
          for (const past of stored.slice(0, -1)) state = stepProcess(manager, state, past, { muted: true }).state;
          return { state: manager.evolve(state, last), actions: manager.react(state, last) };
        };
        return {
          then(expected) {
            expect(run().actions).toEqual(expected);
            // react and evolve must not mutate the events they are given
            expect(stored).toEqual(history);
          },
          thenNothing() {
            expect(run().actions).toEqual([]);
          },
          thenState(expected) {
            expect(run().state).toEqual(expected);
          },
          thenThrows: (errorClass, predicate) => expectThrown(run, errorClass, predicate),
        };
      },
    }),
  };
}
