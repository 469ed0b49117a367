// One read of the log for all of a daemon's runners at the same place: the events a read returned are kept a while,
// and a runner that asks for what follows a cursor they cover is answered from them.
import type { EventStore } from './event-store.js';
import { compareCursors, type LogCursor, type StoredEvent } from './messages.js';

export interface SharedLogTail {
  /**
   * Events after the cursor in log order, at most `limit`: from a kept read when one covers the cursor, else from the
   * store (a read of it already under way at that cursor is shared, unless it began before the last `logMoved`).
   */
  readAll(after: LogCursor, limit: number): Promise<readonly StoredEvent[]>;
  /**
   * Called when an append is announced, before the runners it wakes read: a read begun before may not hold that
   * append, so none asked for after it shares one (its empty answer would send a woken runner back to sleep).
   */
  logMoved(): void;
}

export interface SharedLogTailOptions {
  /** The types any reader decodes (the union of theirs); undefined: every type. */
  readonly types: readonly string[] | undefined;
  /** How many reads are kept (default 4): runners catching up or rebuilding elsewhere in the log do not evict the head. */
  readonly windows?: number;
}

interface Window {
  readonly after: LogCursor;
  readonly events: readonly StoredEvent[];
  /** True when the read came back short: it reached what was readable then, so what it holds is all there was. */
  readonly reachedEnd: boolean;
}

const cursorOfEvent = (event: StoredEvent): LogCursor => ({ transactionId: event.transactionId, position: event.globalPosition });

/**
 * Correct because a read is a prefix of the log after its cursor that no later read contradicts (the store's
 * readAll never returns an event while an earlier one can still appear): so is every suffix of it, after any of its
 * events. A runner served from a kept read may get fewer events than a fresh read would; the next read goes on.
 * An empty answer, on which a runner sleeps until woken, comes from a read begun after every append announced before
 * it was asked for: a runner woken by an append never sleeps on a read that could not see it.
 */
export function createSharedLogTail(eventStore: Pick<EventStore, 'readAll'>, options: SharedLogTailOptions): SharedLogTail {
  const { types, windows: kept = 4 } = options;
  let windows: Window[] = [];
  const reading = new Map<string, Promise<readonly StoredEvent[]>>();
  // reads under way are shared within one announcement of the log: a reader after the next never joins them
  let announcements = 0;
  const keyOf = (cursor: LogCursor): string => `${announcements}:${cursor.transactionId}:${cursor.position}`;

  /** Where in the window the events after `after` start, or -1 when the window does not cover it. */
  function startIn(window: Window, after: LogCursor): number {
    if (compareCursors(after, window.after) === 0) return 0;
    let low = 0;
    let high = window.events.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const order = compareCursors(cursorOfEvent(window.events[middle]!), after);
      if (order === 0) return middle + 1;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  return {
    async readAll(after, limit) {
      // the end of the newest read: a read that came back short ending there is all that was readable a moment ago
      const newest = windows.reduce<LogCursor | undefined>((end, w) => {
        const last = cursorOfEvent(w.events.at(-1)!);
        return end === undefined || compareCursors(last, end) > 0 ? last : end;
      }, undefined);
      for (const window of windows) {
        const start = startIn(window, after);
        if (start < 0 || start >= window.events.length) continue;
        // served: all the reader asked for, or all there was at the newest read; never the short remainder of an
        // older read (a reader behind would crawl through others' leftovers instead of reading on to the end)
        const last = cursorOfEvent(window.events.at(-1)!);
        if (window.events.length - start >= limit || (window.reachedEnd && compareCursors(last, newest!) === 0)) return window.events.slice(start, start + limit);
      }
      const key = keyOf(after);
      let pending = reading.get(key);
      if (pending === undefined) {
        const read = eventStore.readAll({ after, limit, ...(types === undefined ? {} : { types }) });
        pending = read;
        reading.set(key, read);
        void read
          .then((events) => {
            if (events.length > 0) windows = [{ after, events, reachedEnd: events.length < limit }, ...windows.filter((w) => compareCursors(w.after, after) !== 0)].slice(0, kept);
          }, () => undefined)
          .finally(() => reading.delete(key));
      }
      const events = await pending;
      return events.length > limit ? events.slice(0, limit) : events;
    },
    logMoved() {
      announcements++;
    },
  };
}
