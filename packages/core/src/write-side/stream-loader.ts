// Loads stream states for the command processor: from the cache, else the newest snapshot plus the tail, folded page by page.
import type { EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import type { Event } from '../messages.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { CachedStream, StateCache } from './state-cache.js';
import type { StreamModel } from './stream-model.js';

export type AnyStreamModel = StreamModel<unknown, never>;

export interface LoaderCounters {
  /** Events read from the log to fold states (not counting what snapshots saved). */
  eventsRead: number;
  cacheHits: number;
  cacheMisses: number;
  snapshotsRead: number;
  snapshotsWritten: number;
}

export interface StreamLoaderOptions {
  readonly eventStore: EventStore;
  readonly snapshotStore: SnapshotStore | undefined;
  readonly cache: StateCache;
  readonly pageSize: number;
  readonly logger: Logger | undefined;
}

export interface StreamLoader {
  /** The cached state, or undefined on a miss (counted). */
  cached(streamId: string, model: AnyStreamModel): CachedStream | undefined;
  /** Loads from snapshot and log, caches and returns the state. */
  load(streamId: string, model: AnyStreamModel): Promise<CachedStream>;
  /** Brings a cached state up to date by reading only the events after its version; loads it whole when not cached. */
  refresh(streamId: string, model: AnyStreamModel): Promise<CachedStream>;
  /** Takes a snapshot when the state has grown far enough past the last one (in the background). */
  snapshotIfDue(streamId: string, model: AnyStreamModel, entry: CachedStream): CachedStream;
  readonly counters: LoaderCounters;
  /** Resolves once background snapshot writes have ended. */
  settled(): Promise<void>;
}

/** A model's evolve over untyped states and events: the processor handles every model's streams alike. */
export const evolveWith = (model: AnyStreamModel) => model.evolve as unknown as (state: unknown, event: Event) => unknown;

/** A stream with no events, as the model sees it. */
export const emptyStream = (model: AnyStreamModel): CachedStream => ({
  model: model.name,
  state: model.initialState,
  version: 0,
  position: 0,
  transactionId: 0,
  snapshotVersion: 0,
});

/** Folds the stream's events after `from` into it, a page at a time. */
async function foldStreamTail(
  { eventStore, pageSize }: Pick<StreamLoaderOptions, 'eventStore' | 'pageSize'>,
  counters: LoaderCounters,
  streamId: string,
  model: AnyStreamModel,
  from: CachedStream,
): Promise<CachedStream> {
  const evolve = evolveWith(model);
  let { state, version, position, transactionId } = from;
  for (;;) {
    const page = await eventStore.readStream(streamId, { fromVersion: version + 1, maxCount: pageSize });
    counters.eventsRead += page.length;
    for (const event of page) state = evolve(state, event);
    const last = page.at(-1);
    if (last !== undefined) ({ streamVersion: version, globalPosition: position, transactionId } = last);
    if (page.length < pageSize) break;
  }
  return { ...from, state, version, position, transactionId };
}

export function createStreamLoader(options: StreamLoaderOptions): StreamLoader {
  const { eventStore, snapshotStore, cache, pageSize, logger } = options;
  const counters: LoaderCounters = { eventsRead: 0, cacheHits: 0, cacheMisses: 0, snapshotsRead: 0, snapshotsWritten: 0 };
  const writes = new Set<Promise<void>>();

  const foldTail = (streamId: string, model: AnyStreamModel, from: CachedStream): Promise<CachedStream> =>
    foldStreamTail(options, counters, streamId, model, from);

  async function fromSnapshot(streamId: string, model: AnyStreamModel): Promise<CachedStream> {
    const empty = emptyStream(model);
    const policy = model.snapshots;
    if (policy === undefined || snapshotStore === undefined) return empty;
    try {
      const snapshot = await snapshotStore.readSnapshot(streamId, model.name);
      // a snapshot of another model version was folded by other code: fold from the start instead
      if (snapshot === undefined || snapshot.modelVersion !== policy.version) return empty;
      counters.snapshotsRead++;
      const state = policy.decode === undefined ? snapshot.state : policy.decode(snapshot.state);
      const { streamVersion: version, position, transactionId } = snapshot;
      return { model: model.name, state, version, position, transactionId, snapshotVersion: version };
    } catch (error) {
      // a snapshot only saves reading: without it the log still gives the state
      logger?.warn({ err: error, streamId }, 'reading a snapshot failed; folding the stream from its start');
      return empty;
    }
  }

  function snapshotIfDue(streamId: string, model: AnyStreamModel, entry: CachedStream): CachedStream {
    const policy = model.snapshots;
    if (policy === undefined || snapshotStore === undefined || entry.version - entry.snapshotVersion < policy.every) return entry;
    const state = policy.encode === undefined ? entry.state : policy.encode(entry.state);
    const { version: streamVersion, position, transactionId } = entry;
    const write = snapshotStore
      .writeSnapshot({ streamId, model: model.name, modelVersion: policy.version, streamVersion, position, transactionId, state })
      .then(() => void counters.snapshotsWritten++)
      .catch((error: unknown) => logger?.warn({ err: error, streamId }, 'writing a snapshot failed; the next one will be tried later'))
      .finally(() => writes.delete(write));
    writes.add(write);
    const updated = { ...entry, snapshotVersion: streamVersion };
    cache.set(streamId, updated);
    return updated;
  }

  async function load(streamId: string, model: AnyStreamModel): Promise<CachedStream> {
    const loaded = await foldTail(streamId, model, await fromSnapshot(streamId, model));
    cache.set(streamId, loaded);
    return snapshotIfDue(streamId, model, loaded);
  }

  return {
    cached(streamId, model) {
      const entry = cache.get(streamId, model.name);
      if (entry === undefined) counters.cacheMisses++;
      else counters.cacheHits++;
      return entry;
    },
    load,
    async refresh(streamId, model) {
      const entry = cache.get(streamId, model.name);
      if (entry === undefined) return load(streamId, model);
      const refreshed = await foldTail(streamId, model, entry);
      cache.set(streamId, refreshed);
      return snapshotIfDue(streamId, model, refreshed);
    },
    snapshotIfDue,
    counters,
    async settled() {
      while (writes.size > 0) await Promise.allSettled([...writes]);
    },
  };
}
