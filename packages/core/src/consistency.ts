// Read-your-writes: wait until the read models a query uses have applied a consistency token, across processes.
import { InvalidCommand, Overloaded } from './errors.js';
import type { EventStore } from './event-store.js';
import { createFreshnessView, type FreshnessView, type KnownCheckpoint } from './freshness-view.js';
import { compareCursors, type LogCursor } from './messages.js';
import type { ProjectionStore } from './projection.js';

export interface Freshness {
  /** True when every read model used reflects the token asked for (or, with none, the head of the log). */
  readonly caughtUp: boolean;
  /**
   * The lowest checkpoint position among the read models used; when a token was asked for and reached, at least the
   * token. (Positions are assigned before commit, so a checkpoint past a token in log order can carry a lower number:
   * the answer never names a position below a token it reflects.)
   */
  readonly position: number;
  /** The time up to which the answer is known complete: now when caught up with the head, else the commit time of the oldest checkpoint. */
  readonly asOf: Date;
  /** Commit time of the head minus that of the oldest checkpoint used; 0 when caught up with the head. */
  readonly lagMs: number;
}

export interface ConsistencyGate {
  /**
   * Waits (up to `timeoutMs`) until every named projection has applied the event at `minPosition`. Throws
   * InvalidCommand at once for a position no event of this store has: every token a command answers with names a
   * committed event, so such a token cannot come from this store, and waiting for it would only poll.
   */
  waitFor(projections: readonly string[], minPosition: number, timeoutMs: number, signal?: AbortSignal): Promise<Freshness>;
  /** Freshness without waiting: from memory, once the stores were read a first time. */
  freshness(projections: readonly string[]): Promise<Freshness>;
  /** The checkpoint of a read model as the gate knows it (what freshness headers name); undefined before it was read. */
  checkpoint(name: string): LogCursor | undefined;
  /** Stops listening to the stores and ends every wait (as timed out). */
  close(): void;
}

export interface ConsistencyGateOptions {
  readonly eventStore: Pick<EventStore, 'head' | 'subscribe' | 'cursorAt'>;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>;
  /**
   * While anyone waits for a token, the stores are read again this often (default 50 ms) in case an announcement
   * was lost: one read for all waiters, never one per waiter.
   */
  readonly pollIntervalMs?: number;
  /**
   * A query without a token is answered from memory at once; if the stores were last read longer ago than this
   * (default 1,000 ms), it also asks for a read in the background. Bounds how long a lost announcement (a LISTEN
   * connection reconnecting) leaves the freshness headers behind the truth; they are never ahead of it.
   */
  readonly resyncIntervalMs?: number;
  /** The most requests waiting for a token at once (default 10,000); beyond, a wait is refused with Overloaded (503). */
  readonly maxWaiters?: number;
  readonly now?: () => Date;
  /** Told when a read of the stores fails (the gate keeps what it knew). */
  readonly onReadError?: (error: unknown) => void;
}

/**
 * Turns a token (a global position) into the cursor of its event. Positions never move once written, so a resolved
 * token stays valid; waits for one token share its look-up.
 */
function tokenResolver(eventStore: Pick<EventStore, 'cursorAt'>): (position: number) => Promise<LogCursor | undefined> {
  const resolved = new Map<number, LogCursor>();
  const resolving = new Map<number, Promise<LogCursor | undefined>>();
  return (position) => {
    const known = resolved.get(position);
    if (known !== undefined) return Promise.resolve(known);
    const pending = resolving.get(position);
    if (pending !== undefined) return pending;
    const lookup = eventStore.cursorAt(position).then((cursor) => {
      if (cursor !== undefined) {
        if (resolved.size > 10_000) resolved.clear();
        resolved.set(position, cursor);
      }
      return cursor;
    });
    resolving.set(position, lookup);
    void lookup.finally(() => resolving.delete(position)).catch(() => undefined);
    return lookup;
  };
}

/** How fresh the named projections are, as the view knows them: against the head, or against `target` when given. */
function describeFreshness(view: FreshnessView, now: () => Date, names: readonly string[], target?: LogCursor): Freshness {
  let lowest: KnownCheckpoint | undefined;
  let missing = false;
  for (const name of names) {
    const checkpoint = view.checkpoint(name);
    if (checkpoint === undefined) missing = true;
    else if (lowest === undefined || compareCursors(checkpoint.cursor, lowest.cursor) < 0) lowest = checkpoint;
  }
  const head = view.head();
  // no projection used means nothing can be stale
  const atHead = !missing && (head === undefined || lowest === undefined || compareCursors(lowest.cursor, head.cursor) >= 0);
  const caughtUp = target === undefined ? atHead : !missing && (lowest === undefined || compareCursors(lowest.cursor, target) >= 0);
  const lagMs = atHead || head === undefined ? 0 : Math.max(0, head.recordedAt.getTime() - (lowest?.lastEventAt ?? new Date(0)).getTime());
  return {
    caughtUp,
    position: lowest?.cursor.position ?? 0,
    asOf: atHead ? now() : (lowest?.lastEventAt ?? new Date(0)),
    lagMs,
  };
}

/** Every named projection's checkpoint is at or after `target`. */
function allReached(view: FreshnessView, names: readonly string[], target: LogCursor): boolean {
  return names.every((name) => {
    const checkpoint = view.checkpoint(name);
    return checkpoint !== undefined && compareCursors(checkpoint.cursor, target) >= 0;
  });
}

/**
 * The gate answers from a FreshnessView: checkpoints and head in memory, moved by the stores' announcements
 * (pushed by the projectors of this process at each commit, and by notifications from other processes). A query
 * without a token waits for nothing; one with a token waits until an announcement reaches it. Waits share the view:
 * a wait costs no query of its own once its token is resolved (and a token this process's store appended resolves
 * without one).
 */
export function createConsistencyGate(options: ConsistencyGateOptions): ConsistencyGate {
  const { eventStore, projectionStore, pollIntervalMs = 50, resyncIntervalMs = 1_000, maxWaiters = 10_000, now = () => new Date(), onReadError } = options;
  let lastRefreshAt = performance.now();
  const view = createFreshnessView({ eventStore, projectionStore, ...(onReadError === undefined ? {} : { onReadError }) });
  const refresh = (): void => {
    lastRefreshAt = performance.now();
    view.refresh();
  };

  const resolve = tokenResolver(eventStore);
  const describe = (names: readonly string[], target?: LogCursor): Freshness => describeFreshness(view, now, names, target);

  // every wait is one entry here, checked when the view advances; while any wait, the stores are re-read every
  // pollIntervalMs in case an announcement was lost
  interface Waiter {
    readonly names: readonly string[];
    readonly target: LogCursor;
    readonly done: () => void;
  }
  const waiters = new Set<Waiter>();
  const reached = (names: readonly string[], target: LogCursor): boolean => allReached(view, names, target);
  let poll: NodeJS.Timeout | undefined;
  const stopWaking = view.onAdvance(() => {
    for (const waiter of [...waiters]) if (reached(waiter.names, waiter.target)) waiter.done();
  });
  function pollWhileWaiting(): void {
    if (poll !== undefined || waiters.size === 0) return;
    poll = setTimeout(() => {
      poll = undefined;
      if (waiters.size === 0) return;
      refresh();
      pollWhileWaiting();
    }, pollIntervalMs);
    poll.unref();
  }

  return {
    async freshness(names) {
      await view.ready();
      if (performance.now() - lastRefreshAt > resyncIntervalMs) refresh();
      return describe(names);
    },
    async waitFor(names, minPosition, timeoutMs, signal) {
      await view.ready();
      const target = minPosition <= 0 ? { transactionId: 0, position: 0 } : await resolve(minPosition);
      if (target === undefined) {
        throw new InvalidCommand(`X-Min-Position ${minPosition} names no event of this store: send a token a command answered with`, {
          field: 'X-Min-Position',
        });
      }
      if (!reached(names, target) && timeoutMs > 0 && signal?.aborted !== true) {
        if (waiters.size >= maxWaiters) throw new Overloaded(`${waiters.size} requests are already waiting for a consistency token; retry later`);
        await new Promise<void>((resolveWait) => {
          const finish = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', finish);
            waiters.delete(waiter);
            resolveWait();
          };
          const waiter: Waiter = { names, target, done: finish };
          const timer = setTimeout(finish, timeoutMs);
          signal?.addEventListener('abort', finish, { once: true });
          waiters.add(waiter);
          pollWhileWaiting();
        });
      }
      const answer = describe(names, target);
      if (!reached(names, target)) return { ...answer, caughtUp: false };
      return { ...answer, caughtUp: true, position: Math.max(answer.position, target.position) };
    },
    checkpoint: (name) => view.checkpoint(name)?.cursor,
    close() {
      stopWaking();
      view.close();
      clearTimeout(poll);
      for (const waiter of [...waiters]) waiter.done();
    },
  };
}
