// Per-stream order in the log, also for appends inside a caller's transaction that took its transaction id early:
// such an append would land before a younger transaction's earlier version of the same stream, so it is refused.
import type { EventStore } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import type { SqlSession } from './sql-client.js';
import { appendEvent, appendEventParams } from './statements/append-event.js';
import { appendEvents, appendEventsParams } from './statements/append-events.js';

/** The store's two append statements, run inside a caller's transaction. */
const appenders = {
  appendEvents: (session: SqlSession, streamId: string, expectedVersion: number | 'any') =>
    runStatement(session, appendEvents, appendEventsParams([{ streamId, expectedVersion, events: [{ type: 'InCaller', data: {} }] }])),
  appendEvent: (session: SqlSession, streamId: string, expectedVersion: number | 'any') =>
    runStatement(session, appendEvent, appendEventParams(streamId, expectedVersion, { type: 'InCaller', data: {} })),
};

describe('per-stream order of appends in a caller’s transaction', () => {
  let database: TestDatabase;
  let client: PostgresClient;
  let store: EventStore;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = createPgClient({ connectionString: database.url, max: 4 });
    await migrate(client);
    store = postgresEventStore(client);
  });
  afterAll(async () => {
    await store?.close();
    await client?.close();
    await database?.drop();
  });

  /** A stream's versions in log order, (transaction id, position), read directly: no wait for other databases' transactions. */
  const inLogOrder = async (streamId: string): Promise<number[]> =>
    (
      await client.query<{ v: string }>('SELECT stream_version::text AS v FROM twofold_events WHERE stream_id = $1 ORDER BY transaction_id, global_position', [streamId])
    ).rows.map((row) => Number(row.v));

  for (const [statement, append] of Object.entries(appenders)) {
    for (const expected of ['any', 1] as const) {
      it(`${statement} (expected ${expected}): refuses to append after a younger transaction's version of the stream, with a clear error`, async () => {
        const streamId = `order-${statement}-${expected}`;
        let appendedElsewhere!: () => void;
        const elsewhere = new Promise<void>((resolve) => (appendedElsewhere = resolve));
        let tookId!: () => void;
        const hasId = new Promise<void>((resolve) => (tookId = resolve));
        const caller = client.transaction(async (session) => {
          // the caller's transaction writes something first: it has its id before the other append
          await session.query('SELECT pg_current_xact_id()');
          tookId();
          await elsewhere;
          await append(session, streamId, expected);
        });
        await hasId;
        await store.appendToStream(streamId, [{ type: 'InAutocommit', data: {} }], { expectedVersion: 'no_stream' });
        appendedElsewhere();
        const refused = await caller.then(
          () => undefined,
          (error: unknown) => error as { code?: string; message?: string },
        );
        // the log keeps the stream in version order either way
        const versions = await inLogOrder(streamId);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
        expect(refused?.code).toBe('40001');
        expect(refused?.message).toBe(`append to stream ${streamId} would come before its previous event in log order`);
        expect(versions).toEqual([1]);
      });
    }
  }

  it('still takes appends in a caller’s transaction that keep the order: to new streams, to older ones, twice to one stream', async () => {
    await store.appendToStream('older', [{ type: 'InAutocommit', data: {} }], { expectedVersion: 'no_stream' });
    await client.transaction(async (session) => {
      await session.query('SELECT pg_current_xact_id()');
      await appenders.appendEvents(session, 'older', 1);
      await appenders.appendEvent(session, 'older', 'any');
      await appenders.appendEvent(session, 'fresh', 'any');
      await appenders.appendEvents(session, 'fresh', 1);
    });
    expect(await inLogOrder('older')).toEqual([1, 2, 3]);
    expect(await inLogOrder('fresh')).toEqual([1, 2]);
  });
});
