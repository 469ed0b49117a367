// Read-your-writes: wait until the read models a query uses have applied a consistency token, across processes.
import { InvalidCommand } from './errors.js';
import type { EventStore, LogHead } from './event-store.js';
import { compareCursors, type LogCursor } from './messages.js';
import type { ProjectionCheckpoint, ProjectionStore } from './projection.js';
import { createWakeSignal } from './sleep.js';

export interface Freshness {
  /** True when every read model used reflects the token asked for (or, with none, the head of the log). */
  readonly caughtUp: boolean;
  /** The lowest checkpoint position among the read models used. */
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
  /** Freshness without waiting. */
  freshness(projections: readonly string[]): Promise<Freshness>;
}

export interface ConsistencyGateOptions {
  readonly eventStore: EventStore;
  readonly projectionStore: Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>;
  /** Re-check at least this often even without a wake-up. */
  readonly pollIntervalMs?: number;
  /**
   * A query without a token may be answered from a snapshot of checkpoints and head this old (default 5 ms)
   * while the stores announce changes: it bounds the re-reads under a stream of checkpoint moves and appends.
   */
  readonly snapshotMaxAgeMs?: number;
  /**
   * A snapshot that no change announced since it began stays the answer this long (default 250 ms). The stores'
   * announcements keep it true; this bounds how stale it gets if one is lost (a LISTEN connection reconnecting).
   */
  readonly quietSnapshotMaxAgeMs?: number;
  readonly now?: () => Date;
}

export function createConsistencyGate(options: ConsistencyGateOptions): ConsistencyGate {
  const { eventStore, projectionStore, pollIntervalMs = 20, snapshotMaxAgeMs = 5, quietSnapshotMaxAgeMs = 250, now = () => new Date() } = options;

  // Concurrent queries share one read of every checkpoint and of the head, never one begun before they needed it:
  // checkpoints only move forward, so a snapshot begun after a request arrived cannot claim too little or too much.
  interface Snapshot {
    readonly startedAt: number;
    readonly checkpoints: readonly ProjectionCheckpoint[];
    readonly head: LogHead | undefined;
  }
  let latest: Snapshot | undefined;
  let inflight: { startedAt: number; promise: Promise<Snapshot> } | undefined;
  function snapshot(notBefore: number): Promise<Snapshot> {
    if (latest !== undefined && latest.startedAt >= notBefore) return Promise.resolve(latest);
    if (inflight !== undefined && inflight.startedAt >= notBefore) return inflight.promise;
    const startedAt = performance.now();
    const promise = Promise.all([projectionStore.readCheckpoints(), eventStore.head()]).then(([checkpoints, head]) => {
      const taken = { startedAt, checkpoints, head };
      if (latest === undefined || latest.startedAt < startedAt) latest = taken;
      return taken;
    });
    const current = { startedAt, promise };
    inflight = current;
    void promise.finally(() => {
      if (inflight === current) inflight = undefined;
    }).catch(() => undefined);
    return promise;
  }
  // Queries without a token reuse the last snapshot until a store announces a change begun after it: re-reading
  // every few milliseconds costs two statements per snapshot, as many as the reads they describe at thousands a
  // second. The gate listens from its first such query for as long as its stores are open.
  let changedAt = Number.NEGATIVE_INFINITY;
  let listening = false;
  function quietSnapshot(at: number): Snapshot | undefined {
    if (!listening) {
      listening = true;
      const changed = (): void => {
        changedAt = performance.now();
      };
      eventStore.subscribe(changed);
      projectionStore.subscribe(changed);
      // what changed before now went unheard: only snapshots begun from here on can be trusted while quiet
      changed();
      return undefined;
    }
    return latest !== undefined && changedAt < latest.startedAt && at - latest.startedAt <= quietSnapshotMaxAgeMs ? latest : undefined;
  }

  // positions never move once written, so a resolved token stays valid
  const resolved = new Map<number, LogCursor>();

  async function resolve(position: number): Promise<LogCursor | undefined> {
    const known = resolved.get(position);
    if (known !== undefined) return known;
    const cursor = await eventStore.cursorAt(position);
    if (cursor !== undefined) {
      if (resolved.size > 10_000) resolved.clear();
      resolved.set(position, cursor);
    }
    return cursor;
  }

  function describe(checkpoints: readonly ProjectionCheckpoint[], head: LogHead | undefined, names: readonly string[], target?: LogCursor): Freshness {
    const used = checkpoints.filter((c) => names.includes(c.name));
    const missing = used.length < new Set(names).size;
    const lowest = used.reduce<ProjectionCheckpoint | undefined>(
      (low, c) => (low === undefined || compareCursors(c.cursor, low.cursor) < 0 ? c : low),
      undefined,
    );
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

  return {
    async freshness(names) {
      const at = performance.now();
      const { checkpoints, head } = quietSnapshot(at) ?? (await snapshot(at - snapshotMaxAgeMs));
      return describe(checkpoints, head, names);
    },
    async waitFor(names, minPosition, timeoutMs, signal) {
      const deadline = Date.now() + Math.max(0, timeoutMs);
      const wake = createWakeSignal();
      const unsubscribe = projectionStore.subscribe(wake.wake);
      // the token was issued before this request arrived: a snapshot begun since then shows it if it was applied
      let notBefore = performance.now();
      const unsubscribeWake = projectionStore.subscribe(() => {
        notBefore = performance.now();
      });
      try {
        const target = minPosition <= 0 ? { transactionId: 0, position: 0 } : await resolve(minPosition);
        if (target === undefined) {
          throw new InvalidCommand(`X-Min-Position ${minPosition} names no event of this store: send a token a command answered with`, {
            field: 'X-Min-Position',
          });
        }
        for (;;) {
          const { checkpoints, head } = await snapshot(notBefore);
          const reached = names.every((name) => {
              const checkpoint = checkpoints.find((c) => c.name === name);
              return checkpoint !== undefined && compareCursors(checkpoint.cursor, target) >= 0;
            });
          const remaining = deadline - Date.now();
          if (reached || remaining <= 0 || signal?.aborted === true) {
            const freshness = describe(checkpoints, head, names, target);
            return { ...freshness, caughtUp: reached };
          }
          await wake.wait(Math.min(pollIntervalMs, remaining), signal);
          // a wake-up came, or the poll interval passed: look again with a read begun from now on
          notBefore = Math.max(notBefore, performance.now());
        }
      } finally {
        unsubscribeWake();
        unsubscribe();
      }
    },
  };
}
