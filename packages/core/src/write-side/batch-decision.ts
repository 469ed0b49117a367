// Decides a batch of commands in arrival order over one working set of stream states, so each sees the writes of those before it.
import type { Event } from '../messages.js';
import type { Command } from '../messages.js';
import { eventMetadataFor } from './event-metadata.js';
import type { MultiStreamDecider, ReadState, StreamRead } from './multi-stream-decider.js';
import type { CachedStream } from './state-cache.js';
import type { StreamModel } from './stream-model.js';
import type { StreamClaims } from './stream-claims.js';
import { emptyStream, evolveWith, type AnyStreamModel, type StreamLoader } from './stream-loader.js';

/** One stream as the batch sees it: its stored state (`base`), then the events the batch has decided so far. */
export interface WorkingStream {
  readonly streamId: string;
  /** Undefined while the stream is only written without a version check (`any`) and never read. */
  model: AnyStreamModel | undefined;
  /** The state as stored, or undefined while unread. */
  base: CachedStream | undefined;
  /** True when `base` was read from the log in this attempt (not from the cache, nor assumed empty). */
  verified: boolean;
  state: unknown;
  /** The version after the batch's events so far. */
  version: number;
  readonly events: Event[];
}

/** A stream version a command's decision saw. */
export interface SeenVersion {
  readonly streamId: string;
  readonly version: number;
}

/** Where a command's events sit among its stream's events in the batch: [from, to). */
export interface PlacedWrite {
  readonly streamId: string;
  readonly from: number;
  readonly to: number;
}

export type Outcome =
  | { readonly kind: 'wrote'; readonly writes: readonly PlacedWrite[]; readonly seen: readonly SeenVersion[] }
  | { readonly kind: 'unchanged'; readonly seen: readonly SeenVersion[] }
  | { readonly kind: 'rejected'; readonly error: unknown; readonly seen: readonly SeenVersion[] }
  /** It touches a stream another batch in flight holds: it waits for a later batch. */
  | { readonly kind: 'deferred' };

/** What a batch decides with: the loader, the claims, and the batch's own token for them. */
export interface BatchContext {
  readonly loader: StreamLoader;
  readonly claims: StreamClaims;
  readonly owner: object;
}

export interface QueuedCommand {
  readonly decider: MultiStreamDecider<Command>;
  readonly command: Command;
}

/** A decision read a stream that is not loaded yet: load it and decide again. */
class StreamNotLoaded {
  constructor(readonly streamId: string, readonly model: AnyStreamModel) {}
}

/** A decision read a stream another batch holds. */
const heldElsewhere: { readonly kind: 'deferred' } = { kind: 'deferred' };

/** How many times one batch loads streams its decisions discovered, before it gives up on a command. */
const maxDiscoveryRounds = 8;

export type WorkingSet = Map<string, WorkingStream>;

function adopt(working: WorkingSet, streamId: string, model: AnyStreamModel, base: CachedStream, verified: boolean): WorkingStream {
  const blind = working.get(streamId);
  const pending = blind?.events ?? [];
  const evolve = evolveWith(model);
  const stream: WorkingStream = {
    streamId,
    model,
    base,
    verified,
    // events written blind before the stream was read come after what is stored
    state: pending.reduce(evolve, base.state),
    version: base.version + pending.length,
    events: [...pending],
  };
  working.set(streamId, stream);
  return stream;
}

/** Puts the declared reads of every command into the working set: cached, assumed new, or loaded (in parallel). */
async function preload(queued: readonly QueuedCommand[], working: WorkingSet, { loader, claims, owner }: BatchContext): Promise<void> {
  const toLoad = new Map<string, AnyStreamModel>();
  for (const { decider, command } of queued) {
    let reads: readonly StreamRead[];
    try {
      reads = decider.reads?.(command) ?? [];
    } catch {
      continue; // decide will meet the same malformed command and refuse it
    }
    for (const { streamId, model: readable, creates } of reads) {
      const model = readable as unknown as AnyStreamModel;
      if (working.get(streamId)?.model !== undefined || toLoad.has(streamId) || !claims.claim(streamId, owner)) continue;
      const cached = loader.cached(streamId, model);
      if (cached !== undefined) adopt(working, streamId, model, cached, false);
      else if (creates === true) adopt(working, streamId, model, emptyStream(model), false);
      else toLoad.set(streamId, model);
    }
  }
  await loadInto(working, toLoad, loader);
}

async function loadInto(working: WorkingSet, streams: ReadonlyMap<string, AnyStreamModel>, loader: StreamLoader): Promise<void> {
  const loaded = await Promise.all([...streams].map(async ([streamId, model]) => [streamId, model, await loader.load(streamId, model)] as const));
  for (const [streamId, model, base] of loaded) adopt(working, streamId, model, base, true);
}

function decideOne(queued: QueuedCommand, working: WorkingSet, { loader, claims, owner }: BatchContext): Outcome | StreamNotLoaded {
  const { decider, command } = queued;
  const seen = new Map<string, number>();
  const read: ReadState = <State>(readModel: StreamModel<State, never>, streamId: string): State => {
    const model = readModel as unknown as AnyStreamModel;
    let stream = working.get(streamId);
    if (stream?.model === undefined) {
      if (!claims.claim(streamId, owner)) throw heldElsewhere;
      const cached = loader.cached(streamId, model);
      if (cached === undefined) throw new StreamNotLoaded(streamId, model);
      stream = adopt(working, streamId, model, cached, false);
    } else if (stream.model.name !== model.name) {
      throw new Error(`stream ${streamId} is read as ${stream.model.name} and as ${model.name} in one batch`);
    }
    seen.set(streamId, stream.version);
    return stream.state as State;
  };
  const seenVersions = (): SeenVersion[] => [...seen].map(([streamId, version]) => ({ streamId, version }));
  let writes;
  try {
    writes = decider.decide(command, read).filter((write) => write.events.length > 0);
  } catch (error) {
    if (error instanceof StreamNotLoaded || error === heldElsewhere) return error as StreamNotLoaded | typeof heldElsewhere;
    return { kind: 'rejected', error, seen: seenVersions() };
  }
  // a blind write claims its stream too, before anything of this command is applied
  if (!writes.every((write) => working.has(write.streamId) || claims.claim(write.streamId, owner))) return heldElsewhere;
  for (const write of writes) {
    if (write.expectedVersion !== 'any' && !seen.has(write.streamId)) {
      const error = new Error(`${decider.name} wrote to stream ${write.streamId} without reading it; read it or write with expectedVersion 'any'`);
      return { kind: 'rejected', error, seen: seenVersions() };
    }
  }
  if (writes.length === 0) return { kind: 'unchanged', seen: seenVersions() };
  const inherited = eventMetadataFor(command.metadata);
  const placed: PlacedWrite[] = writes.map(({ streamId, events }) => {
    let stream = working.get(streamId);
    if (stream === undefined) {
      stream = { streamId, model: undefined, base: undefined, verified: false, state: undefined, version: 0, events: [] };
      working.set(streamId, stream);
    }
    const from = stream.events.length;
    for (const event of events) {
      const withMetadata: Event = { ...event, metadata: { ...inherited, ...event.metadata } };
      stream.events.push(withMetadata);
      if (stream.model !== undefined) stream.state = evolveWith(stream.model)(stream.state, withMetadata);
      stream.version++;
    }
    return { streamId, from, to: stream.events.length };
  });
  return { kind: 'wrote', writes: placed, seen: seenVersions() };
}

/**
 * Decides every command of the batch in order. A command that reads a stream not yet loaded waits for a
 * discovery round (all such streams loaded in parallel) and is decided after the others of its round.
 */
export async function decideBatch(queued: readonly QueuedCommand[], working: WorkingSet, context: BatchContext): Promise<Outcome[]> {
  const { loader } = context;
  await preload(queued, working, context);
  const outcomes: (Outcome | undefined)[] = queued.map(() => undefined);
  let undecided = queued.map((_, index) => index);
  for (let round = 0; undecided.length > 0; round++) {
    const missing = new Map<string, AnyStreamModel>();
    const deferred: number[] = [];
    for (const index of undecided) {
      const outcome = decideOne(queued[index]!, working, context);
      if (outcome instanceof StreamNotLoaded) {
        if (round >= maxDiscoveryRounds) {
          const error = new Error(`${queued[index]!.decider.name} kept reading streams it had not read before (${maxDiscoveryRounds} rounds)`);
          outcomes[index] = { kind: 'rejected', error, seen: [] };
        } else {
          missing.set(outcome.streamId, outcome.model);
          deferred.push(index);
        }
      } else outcomes[index] = outcome;
    }
    await loadInto(working, missing, loader);
    undecided = deferred;
  }
  return outcomes as Outcome[];
}

/**
 * The next batch: queued commands, in order, whose declared streams no batch in flight holds, up to `max`;
 * and the rest, still queued, so a hot stream's commands gather for the batch after the one holding it.
 */
export function takeBatch<Q extends QueuedCommand>(queue: readonly Q[], claims: StreamClaims, max: number): [batch: Q[], rest: Q[]] {
  const batch: Q[] = [];
  const rest: Q[] = [];
  const free = ({ decider, command }: Q): boolean => {
    try {
      return (decider.reads?.(command) ?? []).every(({ streamId }) => claims.isFree(streamId));
    } catch {
      return true; // malformed: its decision will refuse it
    }
  };
  for (const queued of queue) (batch.length < max && free(queued) ? batch : rest).push(queued);
  return [batch, rest];
}
