// What every group of the EventStore contract shares: the fixture a backend provides, and the suite's helpers over it.
import { randomUUID } from 'node:crypto';
import { compareCursors, cursorOf, logStart, type Event, type EventStore, type LogCursor, type StoredEvent } from '@twofold/core';
import { expect } from 'vitest';
import type { SiblingStore } from './capabilities.js';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** Closes the store and whatever the factory opened for it. */
  close(): Promise<void>;
  /** Opens another store over the same storage (for backends with the sharedStorage capability). */
  openSibling?(): Promise<SiblingStore>;
}

/** Opens a store over fresh, empty storage. */
export type EventStoreFactory = () => Promise<EventStoreFixture>;

export const event = (type: string, data: unknown = {}, metadata?: Event['metadata']): Event => (metadata === undefined ? { type, data } : { type, data, metadata });

/** The suite's view of its fixture, given to each group of tests. */
export interface EventStoreSuite {
  /** The store the suite's tests share (each writes to its own streams). */
  readonly store: () => EventStore;
  /** Opens another store over fresh, empty storage. */
  readonly factory: EventStoreFactory;
  /** A stream name no other test uses. */
  readonly stream: (label: string) => string;
  /** Every event of the log after `after`, read page by page. */
  readonly readAllAfter: (after: LogCursor) => Promise<StoredEvent[]>;
  /** Waits until readers see the log through `cursor`. */
  readonly visibleThrough: (cursor: LogCursor) => Promise<void>;
  /** Appends a marker and waits until readers see it, returning its cursor. */
  readonly headCursor: () => Promise<LogCursor>;
}

export function eventStoreSuite(store: () => EventStore, factory: EventStoreFactory): EventStoreSuite {
  const stream = (label: string): string => `${label}-${randomUUID()}`;
  const readAllAfter = async (after: LogCursor): Promise<StoredEvent[]> => {
    const events: StoredEvent[] = [];
    for (let cursor = after; ; ) {
      const page = await store().readAll({ after: cursor, limit: 100 });
      if (page.length === 0) return events;
      events.push(...page);
      cursor = cursorOf(page.at(-1)!);
    }
  };
  /**
   * Waits until readers see the log through `cursor`: on a shared server a transaction open elsewhere holds every
   * reader back a while (DESIGN 5.1), so a test waits for its own events, never for "the head" as it stands.
   */
  const visibleThrough = async (cursor: LogCursor): Promise<void> => {
    await expect.poll(async () => compareCursors((await store().head())?.cursor ?? logStart, cursor) >= 0, { timeout: 15_000, interval: 20 }).toBe(true);
  };
  /** Appends a marker and waits until readers see it: after it, only what the test appends next appears. */
  const headCursor = async (): Promise<LogCursor> => {
    const marked = await store().appendToStream(stream('marker'), [event('Marker')], { expectedVersion: 'no_stream' });
    const cursor = { transactionId: marked.transactionId, position: marked.position };
    await visibleThrough(cursor);
    return cursor;
  };

  return { store, factory, stream, readAllAfter, visibleThrough, headCursor };
}
