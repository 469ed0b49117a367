// A multi-stream decider: one command decided over the states of several streams, writing to any of them in one atomic append.
import type { Event } from '../messages.js';
import type { StreamModel } from './stream-model.js';

/** Reads the folded state of a stream while deciding; the processor loads it (from cache, snapshot or log) first. */
export type ReadState = <State>(model: StreamModel<State, never>, streamId: string) => State;

/** Any stream model, whatever its state and events (evolve as a method, so a model of any state fits). */
export interface ReadableModel {
  readonly name: string;
  readonly initialState: unknown;
  evolve(state: never, event: never): unknown;
  readonly snapshots?: unknown;
}

export interface StreamRead {
  readonly model: ReadableModel;
  readonly streamId: string;
  /**
   * The command creates this stream: unless cached, it is taken as empty without a read, and appended
   * as `no_stream`, so the store refuses it if it exists after all (the command is then decided again).
   */
  readonly creates?: boolean;
}

export interface StreamWrite {
  readonly streamId: string;
  readonly events: readonly Event[];
  /**
   * `any`: append without checking the stream's version, for a fact no state of that stream could refuse
   * (a merchant's charge follows from a payment alone). Such a stream need not be read, nor is it contended for.
   * Every other write goes to a stream the decision read, at the version it read.
   */
  readonly expectedVersion?: 'any';
}

export interface MultiStreamDecider<C> {
  /** Names the command in errors and metrics. */
  readonly name: string;
  /**
   * The streams to load before deciding. A stream that decide reads without it being listed is loaded
   * when it is first read and the command decided again: listing saves that round trip.
   */
  readonly reads?: (command: C) => readonly StreamRead[];
  /** Pure: the command and the states it reads in, the writes out; throws a typed domain error to refuse. */
  readonly decide: (command: C, read: ReadState) => readonly StreamWrite[];
}

/** Declares a multi-stream decider (an identity that checks its shape and fixes its types). */
export function multiStreamDecider<C>(decider: MultiStreamDecider<C>): MultiStreamDecider<C> {
  if (decider.name.trim() === '') throw new RangeError('a multi-stream decider needs a name');
  return decider;
}

/** A single-stream decider over one stream model, as a multi-stream decider. */
export function singleStreamDecider<State, C, E extends Event>(
  name: string,
  model: StreamModel<State, E>,
  streamIdOf: (command: C) => string,
  decide: (command: C, state: State) => readonly E[],
): MultiStreamDecider<C> {
  const readable = model as unknown as StreamModel<State, never>;
  return {
    name,
    reads: (command) => [{ model, streamId: streamIdOf(command) }],
    decide: (command, read) => {
      const streamId = streamIdOf(command);
      return [{ streamId, events: decide(command, read(readable, streamId)) }];
    },
  };
}
