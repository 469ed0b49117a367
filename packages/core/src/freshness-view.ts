// What this process knows of the read models' checkpoints and the log's head, kept in memory from the stores' announcements.
import type { EventStore, LogHead, Unsubscribe } from './event-store.js';
import { compareCursors, type LogCursor } from './messages.js';
import type { CheckpointMove, ProjectionStore } from './projection.js';

/** A live checkpoint as the view knows it. */
export interface KnownCheckpoint {
  readonly cursor: LogCursor;
  readonly lastEventAt: Date | undefined;
}

export interface FreshnessView {
  /** Resolves once the stores were read a first time (and listened to from before that read). */
  ready(): Promise<void>;
  /** The checkpoint, never ahead of what its store committed; undefined when the view has not seen it. */
  checkpoint(name: string): KnownCheckpoint | undefined;
  /** The newest committed event the view knows of; undefined for an empty log (or none seen yet). */
  head(): LogHead | undefined;
  /** Called whenever a checkpoint or the head moved forward in the view. */
  onAdvance(listener: () => void): Unsubscribe;
  /** Asks for a read of the stores, begun after this call; it runs in the background. */
  refresh(): void;
  /** Stops listening to the stores. */
  close(): void;
}

export interface FreshnessViewOptions {
  readonly eventStore: Pick<EventStore, 'head' | 'subscribe'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>;
  /** Called when a read of the stores failed (the view keeps what it knew; the next refresh tries again). */
  readonly onReadError?: (error: unknown) => void;
}

/** The checkpoints and head the view knows; each only moves forward. */
interface KnownPlaces {
  readonly checkpoints: Map<string, KnownCheckpoint>;
  head: LogHead | undefined;
}

function learnCheckpoint(known: KnownPlaces, name: string, cursor: LogCursor, lastEventAt: Date | undefined): boolean {
  const checkpoint = known.checkpoints.get(name);
  if (checkpoint !== undefined && compareCursors(checkpoint.cursor, cursor) >= 0) return false;
  known.checkpoints.set(name, { cursor, lastEventAt });
  return true;
}

function learnHead(known: KnownPlaces, head: LogHead | undefined): boolean {
  if (head === undefined || (known.head !== undefined && compareCursors(known.head.cursor, head.cursor) >= 0)) return false;
  known.head = head;
  return true;
}

/** Reads both stores and learns what they hold; true when anything moved forward. */
async function readStores(known: KnownPlaces, options: FreshnessViewOptions): Promise<boolean> {
  const [read, head] = await Promise.all([options.projectionStore.readCheckpoints(), options.eventStore.head()]);
  let moved = learnHead(known, head);
  for (const checkpoint of read) moved = learnCheckpoint(known, checkpoint.name, checkpoint.cursor, checkpoint.lastEventAt) || moved;
  return moved;
}

/** Runs `task` one at a time: a run asked for while one runs gets another, begun after it. */
function oneAtATime(task: () => Promise<void>, isClosed: () => boolean): () => void {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    if (isClosed()) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = task().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}

/**
 * Invariant: every checkpoint and the head in the view are ones their store had committed when the view took
 * them, and checkpoints only move forward (a batch's compare-and-set; a rebuild switches at the same cursor), so
 * a read model queried after looking at the view reflects at least what the view said. Announcements carry the
 * new places; one that says nothing ("something changed") makes the view read the stores again.
 */
export function createFreshnessView(options: FreshnessViewOptions): FreshnessView {
  const { eventStore, projectionStore, onReadError = () => undefined } = options;
  const known: KnownPlaces = { checkpoints: new Map(), head: undefined };
  const listeners = new Set<() => void>();
  let unsubscribes: Unsubscribe[] = [];
  let first: Promise<void> | undefined;
  let closed = false;

  function advance(): void {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        onReadError(error);
      }
    }
  }

  const refresh = oneAtATime(async () => {
    try {
      if (await readStores(known, options)) advance();
    } catch (error) {
      onReadError(error);
    }
  }, () => closed);

  const onMoves = (moves: readonly CheckpointMove[] | undefined): void => {
    if (moves === undefined) return refresh();
    let moved = false;
    for (const move of moves) moved = learnCheckpoint(known, move.name, move.cursor, move.lastEventAt) || moved;
    if (moved) advance();
  };
  const onHead = (head: LogHead | undefined): void => {
    if (head === undefined) return refresh();
    if (learnHead(known, head)) advance();
  };

  return {
    ready() {
      if (first === undefined) {
        const reading = (async () => {
          // listen first: a change announced while the first read runs is heard, not lost between the two
          unsubscribes = [eventStore.subscribe(onHead), projectionStore.subscribe(onMoves)];
          await readStores(known, options);
        })();
        first = reading;
        // a failed first read is tried again by the next caller
        reading.catch(() => {
          if (first === reading) first = undefined;
          unsubscribes.forEach((unsubscribe) => unsubscribe());
          unsubscribes = [];
        });
      }
      return first;
    },
    checkpoint: (name) => known.checkpoints.get(name),
    head: () => known.head,
    onAdvance(listener) {
      const entry = (): void => listener();
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    refresh,
    close() {
      closed = true;
      unsubscribes.forEach((unsubscribe) => unsubscribe());
      unsubscribes = [];
    },
  };
}
