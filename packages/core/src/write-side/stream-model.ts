// A stream's write model: how its events fold into state, and whether that state may be snapshotted.
import type { Decider } from '../decider.js';
import type { Event } from '../messages.js';

/** Opt-in snapshots: the folded state stored beside the log, so loading a long stream reads only its tail. */
export interface SnapshotPolicy<State> {
  /**
   * The version of the state's shape and of evolve: change it whenever either changes, and snapshots
   * taken under another version are ignored (the stream is folded from its start instead).
   */
  readonly version: number;
  /** A snapshot is taken once the stream has grown this many events past the last one. */
  readonly every: number;
  /** The state as JSON; default: the state itself (it must then be plain JSON). */
  readonly encode?: (state: State) => unknown;
  /** Inverse of encode; default: the stored JSON as it is. */
  readonly decode?: (stored: unknown) => State;
}

export interface StreamModel<State, E extends Event = Event> {
  /** Names the model in the state cache and in snapshots, e.g. `product`. */
  readonly name: string;
  readonly initialState: State;
  /** Must depend on the event's type, data and metadata only. */
  readonly evolve: (state: State, event: E) => State;
  readonly snapshots?: SnapshotPolicy<State>;
}

/** A decider's fold as a named stream model, optionally snapshotted. */
export function streamModel<State, E extends Event>(
  name: string,
  decider: Pick<Decider<State, never, E>, 'initialState' | 'evolve'>,
  snapshots?: SnapshotPolicy<State>,
): StreamModel<State, E> {
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(name)) throw new RangeError(`stream model name "${name}" must be lower-case letters, digits, '_' or '-'`);
  if (snapshots !== undefined) {
    if (!Number.isSafeInteger(snapshots.version) || snapshots.version < 1) throw new RangeError('snapshots.version must be a positive integer');
    if (!Number.isSafeInteger(snapshots.every) || snapshots.every < 1) throw new RangeError('snapshots.every must be a positive integer');
  }
  return { name, initialState: decider.initialState, evolve: decider.evolve, ...(snapshots === undefined ? {} : { snapshots }) };
}
