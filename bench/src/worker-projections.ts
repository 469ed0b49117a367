// Worker side of the projection benchmarks: shop catch-up through the daemon, and a counter per stream run by Twofold or Emmett.
import { compareCursors, createProjectionDaemon, type ProjectionDaemon, type ProjectionDefinition } from '@twofold/core';
import { createPgClient, postgresEventStore, postgresProjectionStore, type PostgresClient, type SqlSession } from '@twofold/postgres';
import { shopProjections } from '@twofold/shop';
import pg from 'pg';
import { epochMs } from './clock.js';
import { eventData } from './payload.js';

export type CounterSystem = 'twofold' | 'emmett';

export interface CatchUpParams {
  readonly url: string;
  /** Names of shop projections to run. */
  readonly projections: readonly string[];
  readonly batchSize?: number;
  readonly timeoutMs: number;
}

export interface CatchUpTimes {
  /** From start until its checkpoint reached the head of the log, start-up included. */
  readonly elapsedMs: number;
  /** From start until its first batch committed, and the position that batch reached. */
  readonly firstBatchMs: number;
  readonly firstBatchPosition: number;
  readonly batches: number;
}

export interface CatchUpResult {
  readonly projections: Record<string, CatchUpTimes>;
  readonly headPosition: number;
}

export interface CounterStartParams {
  readonly system: CounterSystem;
  readonly url: string;
  /** Names the projection, its table and checkpoint. */
  readonly name: string;
  readonly batchSize?: number;
  readonly pullingFrequencyInMs?: number;
}

export interface CounterWriteParams {
  readonly system: CounterSystem;
  readonly url: string;
  readonly writers: number;
  readonly events: number;
  readonly streamsPerWriter: number;
}

let closers: (() => Promise<void>)[] = [];

/** Counts events per stream: the batch folded per stream, one set-based upsert, in the checkpoint's transaction. */
export function streamCounter(name: string): ProjectionDefinition<SqlSession> {
  return {
    name,
    version: 1,
    handles: ['CounterIncremented'],
    tables: [name],
    async setup(session) {
      await session.query(`CREATE TABLE IF NOT EXISTS ${name} (stream_id text PRIMARY KEY, count bigint NOT NULL)`);
    },
    async apply(events, session) {
      const counts: Record<string, number> = {};
      for (const event of events) counts[event.streamId] = (counts[event.streamId] ?? 0) + 1;
      await session.query(
        `INSERT INTO ${name} (stream_id, count) SELECT key, value::bigint FROM jsonb_each_text($1::jsonb)
         ON CONFLICT (stream_id) DO UPDATE SET count = ${name}.count + excluded.count`,
        [JSON.stringify(counts)],
      );
    },
  };
}

async function startTwofoldCounter(params: CounterStartParams): Promise<void> {
  const client = createPgClient(params.url);
  const daemon = createProjectionDaemon({
    eventStore: postgresEventStore(client),
    projectionStore: postgresProjectionStore(client),
    projections: [streamCounter(params.name)],
    ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }),
  });
  daemon.start();
  closers.push(() => daemon.stop(), () => client.close());
}

async function startEmmettCounter(params: CounterStartParams): Promise<void> {
  const { getPostgreSQLEventStore, postgreSQLEventStoreConsumer, postgreSQLRawSQLProjection } = await import('@event-driven-io/emmett-postgresql');
  // the processor's locks and checkpoints live in Emmett's schema: it must exist before the processor starts
  const pool = new pg.Pool({ connectionString: params.url, max: 1 });
  await getPostgreSQLEventStore(params.url, { connectionOptions: { pool } }).schema.migrate();
  await pool.end();
  const { sql } = await import('@event-driven-io/dumbo');
  const { name } = params;
  const consumer = postgreSQLEventStoreConsumer({
    connectionString: params.url,
    pulling: {
      ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }),
      ...(params.pullingFrequencyInMs === undefined ? {} : { pullingFrequencyInMs: params.pullingFrequencyInMs }),
    },
  });
  consumer.projector({
    processorId: name,
    projection: postgreSQLRawSQLProjection({
      name,
      canHandle: ['CounterIncremented'],
      init: () => sql(`CREATE TABLE IF NOT EXISTS ${name} (stream_id text PRIMARY KEY, count bigint NOT NULL)`),
      // the projection as Emmett's documentation writes one: a statement per event
      evolve: (event) =>
        sql(
          `INSERT INTO ${name} (stream_id, count) VALUES (%L, 1) ON CONFLICT (stream_id) DO UPDATE SET count = ${name}.count + 1`,
          (event as unknown as { metadata: { streamName: string } }).metadata.streamName,
        ),
    }),
  });
  const running = consumer.start();
  closers.push(async () => {
    await consumer.close();
    await running;
  });
}

async function writeTwofold(params: CounterWriteParams): Promise<(writer: number, sequence: number) => Promise<void>> {
  const client = createPgClient({ connectionString: params.url, max: params.writers });
  const store = postgresEventStore(client);
  closers.push(() => client.close());
  return async (writer, sequence) => {
    await store.appendToStream(`counter-${writer}-${sequence % params.streamsPerWriter}`, [{ type: 'CounterIncremented', data: eventData(sequence) }], {
      expectedVersion: 'any',
    });
  };
}

async function writeEmmett(params: CounterWriteParams): Promise<(writer: number, sequence: number) => Promise<void>> {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const pool = new pg.Pool({ connectionString: params.url, max: params.writers });
  const store = getPostgreSQLEventStore(params.url, { connectionOptions: { pool } });
  await store.schema.migrate();
  closers.push(() => pool.end());
  return async (writer, sequence) => {
    await store.appendToStream(`counter-${writer}-${sequence % params.streamsPerWriter}`, [{ type: 'CounterIncremented', data: eventData(sequence) }]);
  };
}

export const projectionHandlers = {
  async 'catchup.run'(params: CatchUpParams): Promise<CatchUpResult> {
    const client: PostgresClient = createPgClient(params.url);
    try {
      const eventStore = postgresEventStore(client);
      const head = await eventStore.head();
      const projections = shopProjections.filter((p) => params.projections.includes(p.name));
      const daemon: ProjectionDaemon = createProjectionDaemon({
        eventStore,
        projectionStore: postgresProjectionStore(client),
        projections,
        ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }),
      });
      const times: Record<string, { elapsedMs?: number; firstBatchMs?: number; firstBatchPosition?: number; batches: number }> = Object.fromEntries(
        projections.map((p) => [p.name, { batches: 0 }]),
      );
      const started = epochMs();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`catch-up not done after ${params.timeoutMs} ms: ${JSON.stringify(daemon.statuses())}`)), params.timeoutMs);
        const done = (): void => {
          if (projections.every((p) => times[p.name]!.elapsedMs !== undefined)) {
            clearTimeout(timer);
            resolve();
          }
        };
        daemon.onProgress(({ name, cursor }) => {
          const entry = times[name];
          if (entry === undefined) return;
          const at = epochMs() - started;
          entry.batches++;
          entry.firstBatchMs ??= at;
          entry.firstBatchPosition ??= cursor.position;
          if (entry.elapsedMs === undefined && head !== undefined && compareCursors(cursor, head.cursor) >= 0) entry.elapsedMs = at;
          done();
        });
        daemon.start();
        if (head === undefined) {
          for (const entry of Object.values(times)) entry.elapsedMs = 0;
          done();
        }
      }).finally(() => daemon.stop());
      return {
        projections: Object.fromEntries(
          Object.entries(times).map(([name, t]) => [
            name,
            { elapsedMs: t.elapsedMs ?? Number.NaN, firstBatchMs: t.firstBatchMs ?? Number.NaN, firstBatchPosition: t.firstBatchPosition ?? 0, batches: t.batches },
          ]),
        ),
        headPosition: head?.cursor.position ?? 0,
      };
    } finally {
      await client.close();
    }
  },

  async 'counter.start'(params: CounterStartParams): Promise<null> {
    await (params.system === 'twofold' ? startTwofoldCounter(params) : startEmmettCounter(params));
    return null;
  },

  async 'counter.write'(params: CounterWriteParams): Promise<{ appended: number; elapsedMs: number; errors: number; firstError: string | undefined }> {
    const append = await (params.system === 'twofold' ? writeTwofold(params) : writeEmmett(params));
    const perWriter = Math.ceil(params.events / params.writers);
    const written = new Array<number>(params.writers).fill(0);
    let appended = 0;
    let errors = 0;
    let firstError: string | undefined;
    const started = epochMs();
    await Promise.all(
      written.map(async (_, writer) => {
        for (let i = 0; i < perWriter && writer * perWriter + i < params.events; i++) {
          try {
            await append(writer, writer * perWriter + i);
            appended++;
          } catch (error) {
            errors++;
            firstError ??= error instanceof Error ? error.message : String(error);
          }
        }
      }),
    );
    return { appended, elapsedMs: epochMs() - started, errors, firstError };
  },
};

export async function closeProjections(): Promise<void> {
  const pending = closers.reverse();
  closers = [];
  for (const close of pending) await close().catch(() => undefined);
}
