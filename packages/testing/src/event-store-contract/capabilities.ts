// What an event store can do beyond what every store must: each backend declares it, and the contract runs the tests of
// a capability it has and reports the others as skipped, with the reason the backend gave for lacking it.
import { randomUUID } from 'node:crypto';
import { cursorOf, logStart, type EventStore, type LogCursor, type StoredEvent } from '@twofold/core';
import { describe, expect, it } from 'vitest';

/** `true` when the backend has the capability, else why it lacks it (shown with the skipped tests). */
export type Capability = true | string;

export interface EventStoreCapabilities {
  /**
   * readAll never returns an event while an earlier one can still appear (a concurrent append that has not
   * committed yet), so a reader that resumes after the last event it saw misses none.
   */
  readonly gapSafeReadAll: Capability;
  /**
   * Another store can be opened over the same storage, as another process would: each reads what the other
   * appended, and appends through one wake the other's subscribers. The fixture then offers `openSibling`.
   */
  readonly sharedStorage: Capability;
}

/** What a backend that declares nothing claims: everything, so a new backend runs every test. */
export const allEventStoreCapabilities: EventStoreCapabilities = { gapSafeReadAll: true, sharedStorage: true };

export interface SiblingStore {
  readonly store: EventStore;
  close(): Promise<void>;
}

/** The suite's view of its fixture, for the capability tests. */
export interface CapabilitySubject {
  store(): EventStore;
  /** A second store over the suite's storage, when the backend has `sharedStorage`. */
  openSibling: (() => Promise<SiblingStore>) | undefined;
}

const until = async (condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A test that runs when the backend has `capability`, and is skipped with the backend's reason when it has not. */
const withCapability = (capability: Capability, title: string, test: () => Promise<void>, timeoutMs?: number): void => {
  it(title, async (context) => {
    context.skip(capability !== true, capability === true ? undefined : `lacks the capability: ${capability}`);
    await test();
  }, timeoutMs);
};

async function readEverythingAfter(store: EventStore, after: LogCursor): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let cursor = after; ; ) {
    const page = await store.readAll({ after: cursor, limit: 100 });
    if (page.length === 0) return events;
    events.push(...page);
    cursor = cursorOf(page.at(-1)!);
  }
}

export function eventStoreCapabilityTests(subject: CapabilitySubject, capabilities: EventStoreCapabilities): void {
  describe('declared capabilities', () => {
    withCapability(capabilities.gapSafeReadAll, 'gap-safe readAll: a reader resuming after what it saw misses no event of concurrent appends', async () => {
      const store = subject.store();
      const start = (await store.head())?.cursor ?? logStart;
      const streams = Array.from({ length: 40 }, () => `gap-${randomUUID()}`);
      const ids = new Set<string>();
      const seen: string[] = [];
      let cursor = start;
      let appending = true;
      const writers = Promise.all(
        streams.map(async (streamId, i) => {
          await new Promise((resolve) => setTimeout(resolve, i % 8));
          const result = await store.appendToStream(streamId, [{ type: 'Raced', data: { i } }], { expectedVersion: 'no_stream' });
          ids.add(streamId);
          return result;
        }),
      ).finally(() => {
        appending = false;
      });
      // the reader follows the log while the appends race, as a projection does: never reading an event twice
      const follow = async (): Promise<void> => {
        const page = await store.readAll({ after: cursor, limit: 7 });
        for (const event of page) if (streams.includes(event.streamId)) seen.push(event.streamId);
        if (page.length > 0) cursor = cursorOf(page.at(-1)!);
      };
      while (appending) {
        await follow();
        await new Promise((resolve) => setTimeout(resolve, 1)); // let the writers' timers run, on a store that answers at once
      }
      await writers;
      // its own events may wait behind a transaction open elsewhere on a shared server: wait for them, not for "the head"
      await until(async () => (await follow(), seen.length >= streams.length), 20_000, 'the reader did not see every raced append');
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...ids].sort());
      expect(ids.size).toBe(streams.length);
      const log = (await readEverythingAfter(store, start)).filter((event) => streams.includes(event.streamId)).map((event) => event.streamId);
      expect(seen).toEqual(log);
    }, 30_000);

    withCapability(capabilities.sharedStorage, 'shared storage: another store over it reads what this one appended, and is woken by it', async () => {
      if (subject.openSibling === undefined) throw new Error('the backend declares sharedStorage but its fixture has no openSibling');
      const sibling = await subject.openSibling();
      let wakes = 0;
      const unsubscribe = sibling.store.subscribe(() => wakes++);
      try {
        await new Promise((resolve) => setTimeout(resolve, 100)); // a store may wake new subscribers once, when it starts listening
        const before = wakes;
        const streamId = `shared-${randomUUID()}`;
        const result = await subject.store().appendToStream(streamId, [{ type: 'Shared', data: { n: 1 } }], { expectedVersion: 'no_stream' });
        await until(() => wakes > before, 5_000, 'the sibling store was not woken');
        expect((await sibling.store.readStream(streamId)).map((e) => [e.type, e.data, e.globalPosition])).toEqual([['Shared', { n: 1 }, result.position]]);
        await until(async () => (await sibling.store.cursorAt(result.position)) !== undefined, 20_000, 'the sibling store did not see the append in the log');
      } finally {
        unsubscribe();
        await sibling.close();
      }
    });
  });
}
