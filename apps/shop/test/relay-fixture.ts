// Test helpers for the relay on PostgreSQL: a log of the test's own, events written by concurrent writers, and waits
// on the JetStream stream.
import { logStart, type EventStore, type StoredEvent } from '@twofold/core';
import { readEventStreamState, type EventStreamLocation, type RelayedMessage } from '@twofold/nats';
import { migrate, openSqlClient, postgresEventStore, type PostgresClient } from '@twofold/postgres';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { expect } from 'vitest';

export interface TestLog {
  readonly database: TestDatabase;
  readonly client: PostgresClient;
  readonly eventStore: EventStore;
  close(): Promise<void>;
}

export async function openTestLog(label: string): Promise<TestLog> {
  const database = await createTestDatabase(undefined, { label });
  const client = await openSqlClient(database.url);
  await migrate(client);
  const eventStore = postgresEventStore(client);
  return {
    database,
    client,
    eventStore,
    async close() {
      await eventStore.close();
      await client.close();
      await database.drop();
    },
  };
}

/**
 * Appends `count` events from `writers` concurrent writers, in appends of 1 to 4 events, some of them to two streams
 * at once; stream ids include dots and spaces, which subjects cannot hold as they are. Resolves to when each append
 * returned, by global position.
 */
export async function writeEvents(store: EventStore, count: number, { writers = 4, paceMs = 0, offset = 0 } = {}): Promise<Map<number, number>> {
  const appendedAt = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) {
        const i = next;
        const size = Math.min(1 + ((i + offset) % 4), count - i);
        next += size;
        const streamId = (k: number): string => ((k + offset) % 5 === 0 ? `order.${(k + offset) % 97} eu` : `order-${(k + offset) % 97}`);
        const events = Array.from({ length: size }, (_, k) => ({ type: 'Counted', data: { n: i + k + offset }, metadata: { correlationId: `w-${i + offset}` } }));
        const result =
          size >= 2 && streamId(i) !== streamId(i + 1)
            ? await store.appendToStreams([
                { streamId: streamId(i), events: events.slice(0, 1), expectedVersion: 'any' },
                { streamId: streamId(i + 1), events: events.slice(1), expectedVersion: 'any' },
              ])
            : await store.appendToStream(streamId(i), events, { expectedVersion: 'any' });
        const now = performance.now();
        for (const stream of result.streams) for (const position of stream.positions) appendedAt.set(position, now);
        if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
    }),
  );
  return appendedAt;
}

/**
 * The whole log once it holds `count` events: readers see only what no open transaction can still precede (and
 * transaction ids are shared by every database of the server, so other tests' transactions hold readers back a moment).
 */
export async function wholeLog(store: EventStore, count: number, timeoutMs = 60_000): Promise<readonly StoredEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await store.readAll({ after: logStart, limit: 10_000_000 });
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`the log shows ${events.length} of ${count} events after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function untilStreamHolds(location: EventStreamLocation, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let messages: number | undefined;
  for (;;) {
    messages = (await readEventStreamState(location).catch(() => undefined))?.messages;
    if (messages !== undefined && messages >= count) return;
    if (Date.now() > deadline) throw new Error(`the stream holds ${messages ?? 'no'} messages of ${count} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The stream holds the log exactly: each event once (by Nats-Msg-Id = event id, and by position), in log order. */
export function expectExactlyTheLog(messages: readonly RelayedMessage[], log: readonly StoredEvent[]): void {
  const ids = new Set(messages.map((m) => m.event.eventId));
  const positions = new Set(messages.map((m) => m.event.globalPosition));
  expect(ids.size, 'distinct event ids in the stream').toBe(messages.length);
  expect(positions.size, 'distinct positions in the stream').toBe(messages.length);
  expect(messages.length).toBe(log.length);
  expect(messages.map((m) => m.sequence)).toEqual(messages.map((_, i) => i + 1));
  expect(messages.map((m) => m.event)).toEqual(log);
}

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
