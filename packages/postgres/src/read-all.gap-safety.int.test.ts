// Gap safety of readAll on PostgreSQL (DESIGN 5.1): under concurrent writers, rollbacks and long transactions, a reader sees every committed event exactly once,
// also while read models of its own client hold transactions open (which its reads leave out of their horizon).
import { createWakeSignal, cursorOf, logStart, sleep, type EventStore, type LogCursor, type StoredEvent } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { highWaterMark } from './high-water-mark.js';
import { postgresProjectionStore } from './postgres-projection-store.js';
import { readModelTransactionsOf } from './read-model-transactions.js';
import { appendEvents, appendEventsParams } from './statements/append-events.js';
import type { SqlSession } from './sql-client.js';

class Rollback extends Error {}

/** Appends with the store's own statement inside a caller's transaction (the store appends in autocommit). */
const appendIn = (session: SqlSession, streamId: string, type: string, data: unknown) =>
  runStatement(session, appendEvents, appendEventsParams([{ streamId, expectedVersion: 'any', events: [{ type, data }] }]));

/**
 * A controllable open transaction: it takes its transaction id (when `xidFirst`), appends when told
 * (or at once), then waits until told to commit or roll back.
 */
function openTransaction(client: PostgresClient, streamId: string, key: string, options: { xidFirst?: boolean } = {}) {
  let finish!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (finish = resolve));
  let append!: () => void;
  const appendNow = new Promise<void>((resolve) => (append = resolve));
  let appended!: () => void;
  const ready = new Promise<void>((resolve) => (appended = resolve));
  let started!: () => void;
  const begun = new Promise<void>((resolve) => (started = resolve));
  if (options.xidFirst !== true) append();
  const done = client
    .transaction(async (session) => {
      if (options.xidFirst === true) await session.query('SELECT pg_current_xact_id()');
      started();
      await appendNow;
      await appendIn(session, streamId, 'Held', { key });
      appended();
      if (!(await decided)) throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return { begun, ready, append: () => (append(), ready), commit: () => (finish(true), done), rollback: () => (finish(false), done) };
}

describe('readAll on PostgreSQL: gap safety', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  let store: EventStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient({ connectionString: database.url, max: 24 });
    await migrate(client);
    store = postgresEventStore(client, { anyVersionRetries: 100 });
  });
  afterAll(async () => {
    await store?.close();
    await client?.close();
    await database?.drop();
  });

  const readFrom = async (after: LogCursor): Promise<StoredEvent[]> => [...(await store.readAll({ after, limit: 1000 }))];

  it('does not pass an open transaction that took a lower position, and returns its event once it commits', async () => {
    const start = (await store.head())?.cursor ?? logStart;
    const open = openTransaction(client, 'gap-early', 'early');
    await open.ready;
    await store.appendToStream('gap-late', [{ type: 'Late', data: {} }], { expectedVersion: 'no_stream' });
    // the late event is committed, but below it a position may still commit: readers must wait
    expect(await readFrom(start)).toEqual([]);
    const holdback = await highWaterMark(client);
    expect(holdback.eventsCommittedButInvisible).toBe(1);
    expect(holdback.oldestOpenTransactionAgeMs).toBeGreaterThan(0);
    expect(holdback.oldestOpenTransactionPid).toBeTypeOf('number');

    await open.commit();
    const events = await readFrom(start);
    expect(events.map((e) => e.streamId)).toEqual(['gap-early', 'gap-late']);
    // commit order is not position order here, and the reader still has both, once
    expect(events[0]!.globalPosition).toBeLessThan(events[1]!.globalPosition);
    expect((await highWaterMark(client)).eventsCommittedButInvisible).toBe(0);
    expect((await store.head())?.cursor).toEqual(cursorOf(events[1]!));
  });

  it('does not skip the event of a transaction that took its id before a later one committed a lower position', async () => {
    const start = (await store.head())?.cursor ?? logStart;
    const early = openTransaction(client, 'xid-early', 'xid-early', { xidFirst: true });
    await early.begun;
    await store.appendToStream('xid-later', [{ type: 'Later', data: {} }], { expectedVersion: 'no_stream' });
    await early.append(); // draws a higher position than the event committed above
    expect(await readFrom(start)).toEqual([]);
    await early.commit();
    // order is by transaction id: the higher position comes first, so a reader that resumed from a
    // position alone would page past the lower one
    const paged: StoredEvent[] = [];
    for (let cursor = start; ; ) {
      const page = await store.readAll({ after: cursor, limit: 1 });
      if (page.length === 0) break;
      paged.push(...page);
      cursor = cursorOf(page[0]!);
    }
    expect(paged.map((e) => e.streamId)).toEqual(['xid-early', 'xid-later']);
    expect(paged[0]!.globalPosition).toBeGreaterThan(paged[1]!.globalPosition);
  });

  it('wakes its subscribers when an event it held back becomes readable, though nothing is appended after it', async () => {
    const start = (await store.head())?.cursor ?? logStart;
    // a reader that reads only when woken, as a projection runner with a long poll interval does
    const wake = createWakeSignal();
    const unsubscribe = store.subscribe(wake.wake);
    const seen: StoredEvent[] = [];
    let reading = true;
    const reader = (async () => {
      let after = start;
      while (reading) {
        const events = await store.readAll({ after, limit: 100 });
        seen.push(...events);
        after = events.length === 0 ? after : cursorOf(events.at(-1)!);
        await wake.wait(60_000);
      }
    })();
    // an unrelated transaction holds readers back: it took an id, then writes no event, so it notifies nothing when it ends
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const blocker = client.transaction(async (session) => {
      await session.query('SELECT pg_current_xact_id()');
      holding();
      await released;
    });
    try {
      await held;
      await store.appendToStream('held-back-wake', [{ type: 'Late', data: {} }], { expectedVersion: 'no_stream' });
      await sleep(200);
      expect(seen).toEqual([]);
      release();
      await blocker;
      const deadline = Date.now() + 2_000;
      while (seen.length === 0 && Date.now() < deadline) await sleep(10);
      expect(seen.map((event) => event.streamId)).toEqual(['held-back-wake']);
    } finally {
      release();
      await blocker;
      reading = false;
      unsubscribe();
      wake.wake();
      await reader;
    }
  });

  it('skips the position of a rolled-back transaction for good', async () => {
    const start = (await store.head())?.cursor ?? logStart;
    const open = openTransaction(client, 'gap-rolled-back', 'rolled-back');
    await open.ready;
    await store.appendToStream('gap-after-rollback', [{ type: 'After', data: {} }], { expectedVersion: 'no_stream' });
    expect(await readFrom(start)).toEqual([]);
    await open.rollback();
    expect((await readFrom(start)).map((e) => e.streamId)).toEqual(['gap-after-rollback']);
  });

  it('gives a reader every committed event exactly once, streams in version order, under 16 writers, rollbacks, long transactions and open read-model transactions', async () => {
    const writers = 16;
    const appendsPerWriter = 2_000;
    const streams = 1_000;
    const expected = new Set<string>();
    const rolledBack = new Set<string>();
    let writing = true;

    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < appendsPerWriter; i++) {
        const key = `w${w}-${i}`;
        const streamId = `stream-${Math.floor(Math.random() * streams)}`;
        await store.appendToStream(streamId, [{ type: 'Written', data: { key } }], { expectedVersion: 'any' });
        expected.add(key);
      }
    };
    // take positions and never commit them
    const rollingBack = async (w: number): Promise<void> => {
      for (let i = 0; writing; i++) {
        const key = `rb${w}-${i}`;
        rolledBack.add(key);
        await client
          .transaction(async (session) => {
            await appendIn(session, `rolled-back-${w}-${i}`, 'RolledBack', { key });
            await sleep(Math.random() * 20);
            throw new Rollback();
          })
          .catch((error: unknown) => {
            if (!(error instanceof Rollback)) throw error;
          });
      }
    };
    // take a transaction id, later a position, and commit around a second after, while many
    // transactions with higher ids or higher positions commit around it
    const holdingOpen = async (w: number): Promise<void> => {
      for (let i = 0; writing; i++) {
        const key = `held${w}-${i}`;
        await client.transaction(async (session) => {
          await session.query('SELECT pg_current_xact_id()');
          await sleep(Math.random() * 300);
          await appendIn(session, `held-${w}-${i}`, 'Held', { key });
          await sleep(600 + Math.random() * 400);
        });
        expected.add(key);
      }
    };

    // a read model of the reader's client commits batches that stay open a while: the reader reads past them
    const readModels = postgresProjectionStore(client);
    await readModels.prepare({
      name: 'beside',
      version: 1,
      handles: [],
      tables: ['beside_rows'],
      setup: async (session) => void (await session.query('CREATE TABLE IF NOT EXISTS beside_rows (v text)')),
      apply: async () => {},
    });
    const readModelBatches = async (): Promise<void> => {
      for (let from = logStart, n = 1; writing; n++) {
        const to = { transactionId: from.transactionId, position: from.position + 1 };
        await readModels.commitBatch('beside', from, { cursor: to, lastEventAt: new Date() }, async (session) => {
          await session.query('INSERT INTO beside_rows (v) VALUES ($1)', [String(n)]);
          await sleep(Math.random() * 40);
        });
        from = to;
        await sleep(Math.random() * 10);
      }
    };
    let readsPastReadModels = 0;

    const seen = new Map<string, StoredEvent>();
    const versions = new Map<string, number>();
    const problems: string[] = [];
    let highestPosition = 0;
    let belowHighest = 0;
    const reader = async (): Promise<void> => {
      let cursor = (await store.head())?.cursor ?? logStart;
      // once the writers are done, the reader has a few seconds to see the rest
      let deadline = Number.POSITIVE_INFINITY;
      while (Date.now() < deadline) {
        if (!writing && deadline === Number.POSITIVE_INFINITY) deadline = Date.now() + 10_000;
        if (readModelTransactionsOf(client).open().length > 0) readsPastReadModels++;
        const page = await store.readAll({ after: cursor, limit: 500 });
        for (const event of page) {
          const key = (event.data as { key: string }).key;
          if (seen.has(key)) problems.push(`${key} seen twice`);
          if (rolledBack.has(key)) problems.push(`${key} was rolled back but seen`);
          seen.set(key, event);
          const previous = versions.get(event.streamId) ?? 0;
          if (event.streamVersion !== previous + 1) problems.push(`${event.streamId}: version ${event.streamVersion} after ${previous}`);
          versions.set(event.streamId, event.streamVersion);
          // a reader resuming by position alone would have skipped this one
          if (event.globalPosition < highestPosition) belowHighest++;
          highestPosition = Math.max(highestPosition, event.globalPosition);
        }
        const last = page.at(-1);
        if (last !== undefined) cursor = cursorOf(last);
        else if (!writing && [...expected].every((key) => seen.has(key))) return;
        else await sleep(5);
      }
    };

    const reading = reader();
    const background = [...[0, 1].flatMap((w) => [rollingBack(w), holdingOpen(w)]), readModelBatches()];
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    writing = false;
    await Promise.all(background);
    await reading;

    const missing = [...expected].filter((key) => !seen.has(key));
    expect(missing.length, `missing e.g. ${missing.slice(0, 5).join(', ')}`).toBe(0);
    expect(problems.slice(0, 10)).toEqual([]);
    expect(seen.size).toBe(expected.size);
    expect(expected.size).toBeGreaterThanOrEqual(writers * appendsPerWriter);
    // the scenario really happened: events committed below positions already read, and rollbacks
    expect(belowHighest).toBeGreaterThan(0);
    expect([...seen.values()].some((e) => e.type === 'Held')).toBe(true);
    expect(rolledBack.size).toBeGreaterThan(0);
    expect(readsPastReadModels).toBeGreaterThan(0);
    await readModels.close();
  });
});
