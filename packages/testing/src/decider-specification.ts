// Given/when/then for deciders: given past events, when a command is decided, then these events or this error.
import { fold, type Decider, type Event } from '@twofold/core';
import { expect } from 'vitest';
import { expectThrown, type ErrorClass } from './expect-thrown.js';

export interface DeciderThen<E extends Event> {
  /** The command decides exactly these events (compared deeply, metadata included when given). */
  then(expected: readonly E[]): void;
  /** The command decides nothing: a no-op, e.g. a repeated release. */
  thenNothing(): void;
  /** Deciding throws an instance of `errorClass`, for which `predicate` (if any) holds. */
  thenThrows<Err extends Error>(errorClass: ErrorClass<Err>, predicate?: (error: Err) => boolean): void;
}

export interface DeciderGiven<C, E extends Event> {
  when(command: C): DeciderThen<E>;
}

export interface DeciderSpecification<C, E extends Event> {
  given(events: readonly E[]): DeciderGiven<C, E>;
}

export function deciderSpecification<State, C, E extends Event>(decider: Decider<State, C, E>): DeciderSpecification<C, E> {
  return {
    given: (events) => ({
      when: (command) => {
        // evolve must not mutate: fold a copy and check the given events are untouched afterwards
        const history = structuredClone(events);
        const run = (): readonly E[] => decider.decide(command, fold(decider, history));
        return {
          then(expected) {
            expect(run()).toEqual(expected);
            expect(history).toEqual(events);
          },
          thenNothing() {
            expect(run()).toEqual([]);
          },
          thenThrows: (errorClass, predicate) => expectThrown(run, errorClass, predicate),
        };
      },
    }),
  };
}
