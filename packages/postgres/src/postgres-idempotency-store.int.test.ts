// Idempotency keys on PGlite and PostgreSQL: stored atomically with an append's events, found, answered, expired; commands found by id.
import type { IdempotencyRecord } from '@twofold/core';
import { IdempotencyKeyUsed } from '@twofold/core';
import { createTestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import { createPgliteClient } from './pglite-client.js';
import type { PostgresClient } from './postgres-client.js';
import { postgresEventStore } from './postgres-event-store.js';
import { postgresIdempotencyStore } from './postgres-idempotency-store.js';

const backends: { name: string; open: () => Promise<{ client: PostgresClient; close: () => Promise<void> }> }[] = [
  {
    name: 'PGlite',
    async open() {
      const client = await createPgliteClient();
      return { client, close: () => client.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = await createTestDatabase();
      const client = createPgClient(database.url);
      return {
        client,
        async close() {
          await client.close();
          await database.drop();
        },
      };
    },
  },
];

const record = (key: string, commandId: string, streamId: string): IdempotencyRecord => ({ scope: 'POST /x', key, requestHash: `h-${key}`, commandId, correlationId: `corr-${commandId}`, streamId });
const event = (commandId: string) => ({ type: 'Happened', data: {}, metadata: { commandId } });

describe.each(backends)('idempotency keys on $name', (backend) => {
  let client: PostgresClient;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ client, close } = await backend.open());
    await migrate(client);
  });
  afterAll(() => close?.());

  it('stores a key with the events; the same key again appends nothing and throws IdempotencyKeyUsed', async () => {
    const events = postgresEventStore(client);
    const keys = postgresIdempotencyStore(client);
    const first = await events.appendToStreams([{ streamId: 's-1', events: [event('c-1'), event('c-1')], expectedVersion: 'no_stream' }], { idempotencyKeys: [record('k-1', 'c-1', 's-1')] });
    const entry = await keys.find('POST /x', 'k-1');
    expect(entry).toMatchObject({ requestHash: 'h-k-1', commandId: 'c-1', correlationId: 'corr-c-1', streamId: 's-1', streamVersion: 2, position: first.position, response: undefined });
    await expect(
      events.appendToStreams([{ streamId: 's-2', events: [event('c-2')], expectedVersion: 'any' }], { idempotencyKeys: [record('k-1', 'c-2', 's-2')] }),
    ).rejects.toBeInstanceOf(IdempotencyKeyUsed);
    expect(await events.readStream('s-2')).toEqual([]);
    expect(await keys.find('POST /x', 'k-1')).toMatchObject({ commandId: 'c-1' });
    // one key twice in one append
    await expect(
      events.appendToStreams([{ streamId: 's-3', events: [event('c-3'), event('c-4')], expectedVersion: 'any' }], { idempotencyKeys: [record('k-3', 'c-3', 's-3'), record('k-3', 'c-4', 's-3')] }),
    ).rejects.toBeInstanceOf(IdempotencyKeyUsed);
    expect(await events.readStream('s-3')).toEqual([]);
    // the same key in another scope is another key
    await events.appendToStreams([{ streamId: 's-4', events: [event('c-5')], expectedVersion: 'any' }], { idempotencyKeys: [{ ...record('k-1', 'c-5', 's-4'), scope: 'POST /y' }] });
    expect(await events.readStream('s-4')).toHaveLength(1);
  });

  it('a version conflict stores no key', async () => {
    const events = postgresEventStore(client);
    await events.appendToStream('v-1', [event('c-v0')], { expectedVersion: 'no_stream' });
    await expect(events.appendToStreams([{ streamId: 'v-1', events: [event('c-v1')], expectedVersion: 'no_stream' }], { idempotencyKeys: [record('k-v', 'c-v1', 'v-1')] })).rejects.toMatchObject({ code: 'version_conflict' });
    expect(await postgresIdempotencyStore(client).find('POST /x', 'k-v')).toBeUndefined();
  });

  it('records the answer, and forgets keys older than the ttl (a new command may take one; the sweep deletes them)', async () => {
    const events = postgresEventStore(client, { idempotencyKeyTtlMs: 50 });
    // (a long-lived reader for what must be there whatever the load; the short one for what must be forgotten)
    const longLived = postgresIdempotencyStore(client, { ttlMs: 60_000 });
    const keys = postgresIdempotencyStore(client, { ttlMs: 50 });
    await events.appendToStreams([{ streamId: 'e-1', events: [event('c-e1')], expectedVersion: 'any' }], { idempotencyKeys: [record('k-e', 'c-e1', 'e-1')] });
    await keys.recordResponse('POST /x', 'k-e', { status: 202, body: { hello: 'world' }, position: 7 });
    expect((await longLived.find('POST /x', 'k-e'))?.response).toEqual({ status: 202, body: { hello: 'world' }, position: 7 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await keys.find('POST /x', 'k-e')).toBeUndefined();
    await events.appendToStreams([{ streamId: 'e-1', events: [event('c-e2')], expectedVersion: 'any' }], { idempotencyKeys: [record('k-e', 'c-e2', 'e-1')] });
    // (read directly: under load the new row may itself be older than the 50 ms ttl by now)
    const row = (await client.query<{ command_id: string; response_status: number | null }>(`SELECT command_id, response_status FROM twofold_idempotency_keys WHERE key = 'k-e'`)).rows;
    expect(row).toEqual([{ command_id: 'c-e2', response_status: null }]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await keys.deleteExpired()).toBeGreaterThanOrEqual(1);
    expect((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM twofold_idempotency_keys WHERE key = 'k-e'`)).rows[0]!.n).toBe('0');
  });

  it('finds commands by their ids: each stream it wrote with its versions and positions', async () => {
    const events = postgresEventStore(client);
    const appended = await events.appendToStreams([
      { streamId: 'f-1', events: [event('c-f'), event('c-f')], expectedVersion: 'any' },
      { streamId: 'f-2', events: [event('c-f')], expectedVersion: 'any' },
    ]);
    const found = await events.findCommands!(['c-f', 'no-such-command']);
    expect([...found.keys()]).toEqual(['c-f']);
    expect(found.get('c-f')).toEqual({ streams: appended.streams, position: appended.position, transactionId: appended.transactionId });
  });

  it('tells whether a server session has ended (a live one is not; a malformed id never is)', async () => {
    const events = postgresEventStore(client);
    expect(await events.sessionEnded!('2147483647')).toBe(true);
    expect(await events.sessionEnded!('not-a-pid')).toBe(false);
    if (backend.name === 'PostgreSQL') {
      const live = await client.connect();
      const pid = (await live.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      expect(await events.sessionEnded!(String(pid))).toBe(false);
      await live.close();
    }
  });
});
