// Given/when/then for multi-stream deciders: given each stream's past events, when a command is decided, then these writes or this error.
import type { Event, MultiStreamDecider, ReadState, StreamModel, StreamWrite } from '@twofold/core';
import { expect } from 'vitest';
import { expectThrown, type ErrorClass } from './expect-thrown.js';

/** Past events by stream id; a stream not named is empty. */
export type GivenStreams = Readonly<Record<string, readonly Event[]>>;

/** Expected writes by stream id, in the order the decider writes each stream's events; `any` marks blind writes. */
export type ExpectedWrites = Readonly<Record<string, readonly Event[] | { readonly any: readonly Event[] }>>;

export interface MultiStreamThen {
  /** The command writes exactly these events to exactly these streams (metadata compared when given). */
  then(expected: ExpectedWrites): void;
  thenNothing(): void;
  thenThrows<Err extends Error>(errorClass: ErrorClass<Err>, predicate?: (error: Err) => boolean): void;
}

export interface MultiStreamSpecification<C> {
  given(streams: GivenStreams): { when(command: C): MultiStreamThen };
}

const byStream = (writes: readonly StreamWrite[]): Record<string, readonly Event[] | { readonly any: readonly Event[] }> =>
  Object.fromEntries(
    writes.filter((write) => write.events.length > 0).map((write) => [write.streamId, write.expectedVersion === 'any' ? { any: write.events } : write.events]),
  );

export function multiStreamDeciderSpecification<C>(decider: MultiStreamDecider<C>): MultiStreamSpecification<C> {
  return {
    given: (streams) => ({
      when: (command) => {
        // evolve must not mutate: fold copies and check the given events are untouched afterwards
        const history = structuredClone(streams);
        const read: ReadState = <State>(model: StreamModel<State, never>, streamId: string): State =>
          (history[streamId] ?? []).reduce<State>((state, event) => (model.evolve as unknown as (s: State, e: Event) => State)(state, event), model.initialState);
        const run = (): readonly StreamWrite[] => decider.decide(command, read);
        return {
          then(expected) {
            expect(byStream(run())).toEqual(expected);
            expect(history).toEqual(streams);
          },
          thenNothing() {
            expect(byStream(run())).toEqual({});
          },
          thenThrows: (errorClass, predicate) => expectThrown(run, errorClass, predicate),
        };
      },
    }),
  };
}
