import { CommandRejected, InvalidCommand, type Decider, type Event } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { deciderSpecification } from './decider-specification.js';

type Counted = Event<'Counted', { by: number }>;
type Count = { type: 'Count'; by: number };
const counter: Decider<number, Count, Counted> = {
  initialState: 0,
  evolve: (state, event) => state + event.data.by,
  decide: (command, state) => {
    if (command.by < 0) throw new InvalidCommand('negative');
    if (state + command.by > 3) throw new CommandRejected('over_max', 'too many', { state });
    return command.by === 0 ? [] : [{ type: 'Counted', data: { by: command.by } }];
  },
};
const spec = deciderSpecification(counter);
const counted = (by: number): Counted => ({ type: 'Counted', data: { by } });

describe('deciderSpecification', () => {
  it('passes when the decided events match', () => spec.given([counted(1)]).when({ type: 'Count', by: 2 }).then([counted(2)]));
  it('fails when they differ', () => expect(() => spec.given([]).when({ type: 'Count', by: 2 }).then([counted(1)])).toThrow());
  it('passes a no-op with thenNothing', () => spec.given([]).when({ type: 'Count', by: 0 }).thenNothing());
  it('passes when the expected error is thrown and the predicate holds', () =>
    spec.given([counted(3)]).when({ type: 'Count', by: 1 }).thenThrows(CommandRejected, (e) => e.code === 'over_max' && e.details.state === 3));
  it('fails when another error class is thrown', () =>
    expect(() => spec.given([]).when({ type: 'Count', by: -1 }).thenThrows(CommandRejected)).toThrow());
  it('fails when the predicate does not hold', () =>
    expect(() => spec.given([counted(3)]).when({ type: 'Count', by: 1 }).thenThrows(CommandRejected, (e) => e.code === 'other')).toThrow());
  it('fails when nothing is thrown', () => expect(() => spec.given([]).when({ type: 'Count', by: 1 }).thenThrows(CommandRejected)).toThrow(/decided/));
  it('fails when evolve mutates the given events', () => {
    const mutating: Decider<number, Count, Counted> = {
      ...counter,
      evolve: (state, event) => {
        (event.data as { by: number }).by += 1;
        return state;
      },
    };
    expect(() => deciderSpecification(mutating).given([counted(1)]).when({ type: 'Count', by: 0 }).then([])).toThrow();
  });
});
