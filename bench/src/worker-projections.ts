// Worker side of the projection benchmarks: shop catch-up through the daemon, and a counter per stream run by Twofold or Emmett.
import { randomBytes } from 'node:crypto';
import { administrationOf, compareCursors, createProjectionDaemon, type ProjectionDaemon, type ProjectionDefinition, type ProjectionStore } from '@twofold/core';
import { createPgClient, migrate, postgresEventStore, postgresProjectionStore, type PostgresClient, type SqlSession } from '@twofold/postgres';
import { createRedisClient, redisProjectionStore } from '@twofold/redis';
import { redisOrderSummaries, shopProjectionsInEventStoreDatabase } from '@twofold/shop';
import { deleteRedisKeys } from './seed-redis.js';
import pg from 'pg';
import { epochMs } from './clock.js';
import { runOpenLoop } from './load.js';
import { eventData } from './payload.js';

export type CounterSystem = 'twofold' | 'emmett';

export interface CatchUpParams {
  readonly url: string;
  /** Names of shop projections to run. */
  readonly projections: readonly string[];
  readonly batchSize?: number;
  readonly timeoutMs: number;
  /** Build redisOrderSummaries in this Redis instead (under a fresh key prefix, deleted afterwards). */
  readonly redisUrl?: string;
}

export interface RebuildParams {
  readonly url: string;
  /** A shop projection already caught up on `url`. */
  readonly projection: string;
  readonly timeoutMs: number;
}

export interface RebuildResult {
  /** From the request until readers were switched to the new generation. */
  readonly elapsedMs: number;
  readonly headPosition: number;
  readonly generation: number;
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

export interface LiveLagParams {
  readonly system: CounterSystem;
  readonly url: string;
  /** Names the projection, its table and checkpoint. */
  readonly name: string;
  /** Appends per second (one event each), spread over `streams` streams. */
  readonly ratePerSec: number;
  readonly streams: number;
  readonly durationMs: number;
  /** After the writes, how long the projection may stay without news before what it has not seen counts as never applied. */
  readonly settleMs: number;
}

export interface LiveLagResult {
  readonly appended: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Per acknowledged event: ms from the append's acknowledgement to the projection's handler seeing it (0 if it saw it first). */
  readonly lagsMs: number[];
  readonly neverApplied: number;
}

/** Seen-times of the events a live-lag counter handled, by lag id. */
let seenAt = new Map<number, number>();
const markSeen = (data: unknown): void => {
  const id = (data as { lagId?: unknown } | null)?.lagId;
  if (typeof id === 'number' && !seenAt.has(id)) seenAt.set(id, epochMs());
};

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
  const counter = streamCounter(params.name);
  const daemon = createProjectionDaemon({
    eventStore: postgresEventStore(client),
    projectionStore: postgresProjectionStore(client),
    projections: [
      {
        ...counter,
        async apply(events, session) {
          for (const event of events) markSeen(event.data);
          await counter.apply(events, session);
        },
      },
    ],
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
      evolve: (event) => {
        markSeen((event as unknown as { data: unknown }).data);
        return sql(
          `INSERT INTO ${name} (stream_id, count) VALUES (%L, 1) ON CONFLICT (stream_id) DO UPDATE SET count = ${name}.count + 1`,
          (event as unknown as { metadata: { streamName: string } }).metadata.streamName,
        );
      },
    }),
  });
  const running = consumer.start();
  closers.push(async () => {
    await consumer.close();
    await running;
  });
}

type CounterAppend = (writer: number, sequence: number, extra?: Record<string, unknown>) => Promise<void>;

async function writeTwofold(params: CounterWriteParams): Promise<CounterAppend> {
  const client = createPgClient({ connectionString: params.url, max: params.writers });
  const store = postgresEventStore(client);
  closers.push(() => client.close());
  return async (writer, sequence, extra) => {
    await store.appendToStream(`counter-${writer}-${sequence % params.streamsPerWriter}`, [{ type: 'CounterIncremented', data: { ...eventData(sequence), ...extra } }], {
      expectedVersion: 'any',
    });
  };
}

async function writeEmmett(params: CounterWriteParams): Promise<CounterAppend> {
  const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
  const pool = new pg.Pool({ connectionString: params.url, max: params.writers });
  const store = getPostgreSQLEventStore(params.url, { connectionOptions: { pool } });
  await store.schema.migrate();
  closers.push(() => pool.end());
  return async (writer, sequence, extra) => {
    await store.appendToStream(`counter-${writer}-${sequence % params.streamsPerWriter}`, [{ type: 'CounterIncremented', data: { ...eventData(sequence), ...extra } }]);
  };
}

export const projectionHandlers = {
  async 'catchup.run'(params: CatchUpParams): Promise<CatchUpResult> {
    const client: PostgresClient = createPgClient(params.url);
    const redis = params.redisUrl === undefined ? undefined : createRedisClient(params.redisUrl);
    const keyPrefix = `twofold-bench-${randomBytes(4).toString('hex')}:`;
    try {
      const eventStore = postgresEventStore(client);
      const head = await eventStore.head();
      const inPostgres = shopProjectionsInEventStoreDatabase.filter((p) => params.projections.includes(p.name));
      const options = { eventStore, ...(params.batchSize === undefined ? {} : { batchSize: params.batchSize }) };
      const daemon: ProjectionDaemon =
        redis === undefined
          ? createProjectionDaemon({ ...options, projectionStore: postgresProjectionStore(client), projections: inPostgres })
          : createProjectionDaemon({ ...options, projectionStore: redisProjectionStore(redis, { keyPrefix }), projections: [redisOrderSummaries] });
      const projections: readonly { name: string }[] = redis === undefined ? inPostgres : [redisOrderSummaries];
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
      if (redis !== undefined) {
        await deleteRedisKeys(redis, keyPrefix);
        await redis.quit();
      }
    }
  },

  /** Rebuilds a caught-up projection blue/green: from the request until readers see the new generation. */
  async 'rebuild.run'(params: RebuildParams): Promise<RebuildResult> {
    const client: PostgresClient = createPgClient(params.url);
    const projection = shopProjectionsInEventStoreDatabase.find((p) => p.name === params.projection);
    if (projection === undefined) throw new Error(`no shop projection ${params.projection}`);
    const projectionStore: ProjectionStore<SqlSession> = postgresProjectionStore(client);
    const admin = administrationOf(projectionStore)!;
    const daemon = createProjectionDaemon({ eventStore: postgresEventStore(client), projectionStore, projections: [projection] });
    try {
      const head = await postgresEventStore(client).head();
      const before = (await projectionStore.readCheckpoints([projection.name]))[0];
      if (before === undefined || head === undefined || compareCursors(before.cursor, head.cursor) < 0) throw new Error(`${projection.name} is not caught up on ${params.url}`);
      daemon.start();
      const started = epochMs();
      const { generation } = await admin.requestRebuild(projection.name, projection.version);
      for (;;) {
        const checkpoint = (await projectionStore.readCheckpoints([projection.name]))[0];
        if (checkpoint?.generation === generation && checkpoint.rebuild === undefined) break;
        if (epochMs() - started > params.timeoutMs) throw new Error(`rebuild not done after ${params.timeoutMs} ms: ${JSON.stringify(checkpoint)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return { elapsedMs: epochMs() - started, headPosition: head.cursor.position, generation };
    } finally {
      await daemon.stop();
      await client.close();
    }
  },

  async 'counter.start'(params: CounterStartParams): Promise<null> {
    await (params.system === 'twofold' ? startTwofoldCounter(params) : startEmmettCounter(params));
    return null;
  },

  /** A counter projection running live while appends arrive at a fixed rate: the lag of each event. */
  async 'lag.run'(params: LiveLagParams): Promise<LiveLagResult> {
    seenAt = new Map();
    if (params.system === 'twofold') {
      const client = createPgClient(params.url);
      await migrate(client).finally(() => client.close());
    }
    await (params.system === 'twofold' ? startTwofoldCounter(params) : startEmmettCounter(params));
    const append = await (params.system === 'twofold' ? writeTwofold : writeEmmett)({ ...params, writers: 8, events: 0, streamsPerWriter: params.streams });
    const ackedAt = new Map<number, number>();
    const load = await runOpenLoop({
      ratePerSec: params.ratePerSec,
      durationMs: params.durationMs,
      operation: async (sequence) => {
        await append(0, sequence, { lagId: sequence });
        ackedAt.set(sequence, epochMs());
      },
    });
    // settle: until every acknowledged event was seen, or nothing new was seen for settleMs
    let lastCount = -1;
    let lastChange = epochMs();
    while ([...ackedAt.keys()].some((id) => !seenAt.has(id)) && epochMs() - lastChange < params.settleMs) {
      if (seenAt.size !== lastCount) {
        lastCount = seenAt.size;
        lastChange = epochMs();
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await closeProjections();
    const lagsMs: number[] = [];
    let neverApplied = 0;
    for (const [id, acked] of ackedAt) {
      const seen = seenAt.get(id);
      if (seen === undefined) neverApplied++;
      else lagsMs.push(Math.max(0, seen - acked));
    }
    return { appended: ackedAt.size, errors: load.errors, firstError: load.firstError, lagsMs, neverApplied };
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
