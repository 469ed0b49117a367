// The high-water mark reading names who holds readers back (pid, application, state), and the watch logs it once per episode.
import { sleep, type Logger } from '@twofold/core';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgClient } from './pg-client.js';
import type { PostgresClient } from './postgres-client.js';
import { highWaterMark } from './high-water-mark.js';
import { watchHighWaterMark } from './high-water-mark-watch.js';

const recordingLogger = () => {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void =>
      void lines.push({ level, fields: fields as Record<string, unknown>, message });
  const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
};

describe('high-water mark on PostgreSQL', () => {
  let database: TestDatabase;
  let reader: PostgresClient;
  let stalled: PostgresClient;
  beforeAll(async () => {
    database = await createTestDatabase();
    reader = createPgClient({ connectionString: database.url, max: 2 });
    stalled = createPgClient({ connectionString: database.url, max: 1, application_name: 'stalled projector' });
    await migrate(reader);
  });
  afterAll(async () => {
    await stalled?.close();
    await reader?.close();
    await database?.drop();
  });

  it('names the backend of the oldest open transaction, and logs each episode once', async () => {
    expect((await highWaterMark(reader)).holder).toBeUndefined();
    const { logger, lines } = recordingLogger();
    const watch = watchHighWaterMark(reader, { logger, thresholdMs: 200, intervalMs: 50 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: (pid: number) => void;
    const held = new Promise<number>((resolve) => (holding = resolve));
    const open = stalled.transaction(async (session) => {
      const { rows } = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_current_xact_id()');
      holding(rows[0]!.pid);
      await released;
    });
    try {
      const pid = await held;
      await sleep(700);
      const holdback = await highWaterMark(reader);
      expect(holdback.holder).toMatchObject({ pid, applicationName: 'stalled projector', state: 'idle in transaction' });
      expect(holdback.holder!.transactionStartedAt).toBeInstanceOf(Date);
      expect(holdback.oldestOpenTransactionAgeMs).toBeGreaterThanOrEqual(600);
      expect(watch.latest()?.holder?.pid).toBe(pid);
      // polled 10+ times while held: one warning naming the holder
      const warnings = lines.filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.fields).toMatchObject({ holderPid: pid, holderApplication: 'stalled projector', holderState: 'idle in transaction' });
    } finally {
      release();
      await open;
    }
    await sleep(300);
    watch.stop();
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(1);
    expect((await highWaterMark(reader)).holder).toBeUndefined();
  });
});
