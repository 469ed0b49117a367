// Worker side of the append benchmark: one system's appender, and closed-loop writers over it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCommit, type Event } from '@twofold/core';
import { createPgClient, createPgliteClient, migrate, postgresEventStore, type PostgresClient } from '@twofold/postgres';
import pg from 'pg';
import { runClosedLoop } from './load.js';
import { eventData } from './payload.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export type AppendSystem = 'twofold' | 'twofold-grouped' | 'emmett' | 'raw-insert' | 'twofold-pglite';

export interface AppendOpenParams {
  readonly system: AppendSystem;
  readonly url: string;
  readonly poolSize: number;
}

export interface AppendRunParams {
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface AppendRunResult {
  readonly appends: number;
  readonly elapsedMs: number;
  readonly latency: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
}

type Append = (streamId: string, events: readonly Event[]) => Promise<unknown>;

let append: Append | undefined;
let closers: (() => Promise<void>)[] = [];
let sequence = 0;

/** The raw-insert system's table (pgbench writes into it too): an event log with its primary key alone. */
export const rawEventsTable = `CREATE TABLE IF NOT EXISTS bench_raw_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version bigint NOT NULL,
  event_type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
)`;

/** `INSERT … VALUES` of n rows with bound parameters: the plainest write the driver can do. */
const rawInsert = (rows: number): string =>
  `INSERT INTO bench_raw_events (stream_id, stream_version, event_type, data, metadata) VALUES ${Array.from(
    { length: rows },
    (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`,
  ).join(', ')}`;

/** Twofold's store on `client`; `grouped`: wrapped in groupCommit, so appends that arrive while one is in flight go as one statement. */
async function openTwofold(client: PostgresClient, { grouped = false }: { readonly grouped?: boolean } = {}): Promise<Append> {
  await migrate(client);
  const plain = postgresEventStore(client);
  const store = grouped ? groupCommit(plain) : plain;
  closers.push(() => store.close(), () => client.close());
  return (streamId, events) => store.appendToStream(streamId, events, { expectedVersion: 'no_stream' });
}

async function openEmmett(url: string, poolSize: number): Promise<Append> {
  // loaded here only: Emmett's driver layer sets process-wide pg type parsers (int8 as BigInt)
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const { STREAM_DOES_NOT_EXIST } = await import('@event-driven-io/emmett');
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  closers.push(() => pool.end());
  return (streamId, events) =>
    store.appendToStream(
      streamId,
      events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown> })),
      { expectedStreamVersion: STREAM_DOES_NOT_EXIST },
    );
}

async function openRaw(url: string, poolSize: number): Promise<Append> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  await pool.query(rawEventsTable);
  closers.push(() => pool.end());
  const statements = new Map<number, string>();
  return (streamId, events) => {
    const text = statements.get(events.length) ?? rawInsert(events.length);
    statements.set(events.length, text);
    const values = events.flatMap((event, i) => [streamId, i + 1, event.type, JSON.stringify(event.data), '{}']);
    return pool.query(text, values);
  };
}

export const appendHandlers = {
  async 'append.open'(params: AppendOpenParams): Promise<null> {
    const { system, url, poolSize } = params;
    switch (system) {
      case 'twofold':
        append = await openTwofold(createPgClient({ connectionString: url, max: poolSize }));
        break;
      case 'twofold-grouped':
        append = await openTwofold(createPgClient({ connectionString: url, max: poolSize }), { grouped: true });
        break;
      case 'twofold-pglite': {
        const dataDir = await mkdtemp(join(tmpdir(), 'twofold-bench-pglite-'));
        closers.push(() => rm(dataDir, { recursive: true, force: true }));
        append = await openTwofold(await createPgliteClient(dataDir));
        break;
      }
      case 'emmett':
        append = await openEmmett(url, poolSize);
        break;
      case 'raw-insert':
        append = await openRaw(url, poolSize);
        break;
      default: {
        const unknown: never = system;
        throw new Error(`unknown system ${String(unknown)}`);
      }
    }
    return null;
  },

  async 'append.run'(params: AppendRunParams): Promise<AppendRunResult> {
    const write = append;
    if (write === undefined) throw new Error('append.open first');
    const { writers, eventsPerAppend, durationMs, warmupMs } = params;
    const prefix = `bench${process.pid}`;
    const result = await runClosedLoop({
      concurrency: writers,
      durationMs,
      warmupMs,
      operation: () => {
        const stream = sequence++;
        const events = Array.from({ length: eventsPerAppend }, (_, i) => ({ type: 'BenchEventRecorded', data: eventData(stream * 10 + i) }));
        return write(`${prefix}-${stream}`, events).then(() => undefined);
      },
    });
    return { appends: result.operations, elapsedMs: result.elapsedMs, latency: summarizeLatencies(result.latenciesMs), errors: result.errors, firstError: result.firstError };
  },
};

export async function closeAppend(): Promise<void> {
  const pending = closers.reverse();
  closers = [];
  append = undefined;
  for (const close of pending) await close().catch(() => undefined);
}
