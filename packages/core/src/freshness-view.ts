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

/**
 * Invariant: every checkpoint and the head in the view are ones their store had committed when the view took
 * them, and checkpoints only move forward (a batch's compare-and-set; a rebuild switches at the same cursor), so
 * a read model queried after looking at the view reflects at least what the view said. Announcements carry the
 * new places; one that says nothing ("something changed") makes the view read the stores again.
 */
export function createFreshnessView(options: FreshnessViewOptions): FreshnessView {
  const { eventStore, projectionStore, onReadError = () => undefined } = options;
  const checkpoints = new Map<string, KnownCheckpoint>();
  let knownHead: LogHead | undefined;
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

  function learnCheckpoint(name: string, cursor: LogCursor, lastEventAt: Date | undefined): boolean {
    const known = checkpoints.get(name);
    if (known !== undefined && compareCursors(known.cursor, cursor) >= 0) return false;
    checkpoints.set(name, { cursor, lastEventAt });
    return true;
  }

  function learnHead(head: LogHead | undefined): boolean {
    if (head === undefined || (knownHead !== undefined && compareCursors(knownHead.cursor, head.cursor) >= 0)) return false;
    knownHead = head;
    return true;
  }

  // one read of the stores at a time; a refresh asked for while one runs gets another, begun after it
  let reading: Promise<void> | undefined;
  let again = false;
  function refresh(): void {
    if (closed) return;
    if (reading !== undefined) {
      again = true;
      return;
    }
    reading = (async () => {
      try {
        const [read, head] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head()]);
        let moved = learnHead(head);
        for (const checkpoint of read) moved = learnCheckpoint(checkpoint.name, checkpoint.cursor, checkpoint.lastEventAt) || moved;
        if (moved) advance();
      } catch (error) {
        onReadError(error);
      }
    })().finally(() => {
      reading = undefined;
      if (again) {
        again = false;
        refresh();
      }
    });
  }

  const onMoves = (moves: readonly CheckpointMove[] | undefined): void => {
    if (moves === undefined) return refresh();
    let moved = false;
    for (const move of moves) moved = learnCheckpoint(move.name, move.cursor, move.lastEventAt) || moved;
    if (moved) advance();
  };
  const onHead = (head: LogHead | undefined): void => {
    if (head === undefined) return refresh();
    if (learnHead(head)) advance();
  };

  return {
    ready() {
      if (first === undefined) {
        const reading = (async () => {
          // listen first: a change announced while the first read runs is heard, not lost between the two
          unsubscribes = [eventStore.subscribe(onHead), projectionStore.subscribe(onMoves)];
          const [read, head] = await Promise.all([projectionStore.readCheckpoints(), eventStore.head()]);
          learnHead(head);
          for (const checkpoint of read) learnCheckpoint(checkpoint.name, checkpoint.cursor, checkpoint.lastEventAt);
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
    checkpoint: (name) => checkpoints.get(name),
    head: () => knownHead,
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
