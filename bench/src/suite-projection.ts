// Benchmark 3, projection: the shop's read models catching up on N events through the daemon (beside one SQL statement
// building the same rows), and a counter per stream run by Twofold's daemon and by Emmett's processor, exactness included.
import { setTimeout as sleep } from 'node:timers/promises';
import { createPgClient, migrate } from '@twofold/postgres';
import { shopProjections } from '@twofold/shop';
import pg from 'pg';
import { epochMs } from './clock.js';
import { orderSummariesBySql, seedOrderEvents, seedProductEvents } from './seed-sql.js';
import { ratio } from './stats.js';
import { goal, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { times, type Cell } from './table.js';
import type { CatchUpResult, CatchUpTimes, CounterSystem, RebuildResult } from './worker-projections.js';

export interface CounterRun {
  readonly system: CounterSystem;
  /** Events the 8 writers appended (all of them, or the run failed). */
  readonly appended: number;
  readonly writeMs: number;
  readonly writeErrors: number;
  /** Counted by the projection that ran while the writers appended. */
  readonly liveApplied: number;
  /** From the end of the writes until the live projection settled. */
  readonly liveDrainMs: number;
  /** Counted by a projection started afterwards from the beginning. */
  readonly catchUpApplied: number;
  /** From start until the last change, start-up included. */
  readonly catchUpMs: number;
  /** Over the whole catch-up, start-up included. */
  readonly catchUpEventsPerSec: number | undefined;
  /** Between the first and the last change seen (undefined when it all landed at once). */
  readonly catchUpSteadyEventsPerSec: number | undefined;
}

const countersTable = (system: CounterSystem, phase: 'live' | 'catchup'): string => `${system === 'twofold' ? 'tf' : 'emt'}_counter_${phase}`;

async function sumOf(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ total: string | null }>(`SELECT sum(count)::text AS total FROM ${table}`).catch(() => ({ rows: [{ total: null }] }));
  return Number(rows[0]?.total ?? 0);
}

interface Settled {
  readonly applied: number;
  /** When the count last changed, ms after `started`. */
  readonly lastChangeMs: number;
  /** When a change was first seen, and the count then. */
  readonly firstChangeMs: number;
  readonly firstCount: number;
}

/** Polls the counter table every 10 ms until it holds `expected` or stops moving for `settleMs`. */
async function settle(pool: pg.Pool, table: string, expected: number, settleMs: number, timeoutMs: number, started: number): Promise<Settled> {
  let applied = await sumOf(pool, table);
  let movedAt = epochMs();
  let first: { at: number; count: number } | undefined = applied > 0 ? { at: movedAt, count: applied } : undefined;
  const deadline = started + timeoutMs;
  while (applied < expected && epochMs() - movedAt < settleMs && epochMs() < deadline) {
    await sleep(10);
    const now = await sumOf(pool, table);
    if (now !== applied) {
      movedAt = epochMs();
      first ??= { at: movedAt, count: now };
    }
    applied = now;
  }
  return { applied, lastChangeMs: movedAt - started, firstChangeMs: (first?.at ?? movedAt) - started, firstCount: first?.count ?? applied };
}

/** Events/s between the first and the last change seen: the steady rate, without start-up. */
const steadyRate = (settled: Settled): number | undefined =>
  settled.lastChangeMs > settled.firstChangeMs ? Math.round(((settled.applied - settled.firstCount) / (settled.lastChangeMs - settled.firstChangeMs)) * 1000) : undefined;

async function counterRun(context: SuiteContext, system: CounterSystem, url: string, pool: pg.Pool): Promise<CounterRun> {
  const { counterEvents, counterStreams, counterWriters, settleMs, timeoutMs } = context.profile.projection;
  const live = countersTable(system, 'live');
  const projector = await context.worker(`counter-${system}-live`);
  await projector.call('counter.start', { system, url, name: live });
  const writer = await context.worker(`counter-${system}-writer`);
  context.progress.note(`projection: ${counterWriters} writers append ${counterEvents} events to ${system}`);
  const written = await writer.call<{ appended: number; elapsedMs: number; errors: number }>(
    'counter.write',
    { system, url, writers: counterWriters, events: counterEvents, streamsPerWriter: Math.max(1, Math.floor(counterStreams / counterWriters)) },
    timeoutMs,
  );
  await writer.close();
  const writesEnded = epochMs();
  context.progress.note(`projection: waiting for ${system}'s live projection to settle`);
  const liveResult = await settle(pool, live, written.appended, settleMs, timeoutMs, writesEnded);
  await projector.close();

  const catchup = countersTable(system, 'catchup');
  const second = await context.worker(`counter-${system}-catchup`);
  context.progress.note(`projection: ${system} catching up on ${written.appended} events`);
  const started = epochMs();
  await second.call('counter.start', { system, url, name: catchup });
  const catchUpResult = await settle(pool, catchup, written.appended, settleMs, timeoutMs, started);
  await second.close();
  return {
    system,
    appended: written.appended,
    writeMs: Math.round(written.elapsedMs),
    writeErrors: written.errors,
    liveApplied: liveResult.applied,
    liveDrainMs: Math.round(liveResult.lastChangeMs),
    catchUpApplied: catchUpResult.applied,
    catchUpMs: Math.round(catchUpResult.lastChangeMs),
    catchUpEventsPerSec: catchUpResult.lastChangeMs > 0 ? Math.round((catchUpResult.applied / catchUpResult.lastChangeMs) * 1000) : undefined,
    catchUpSteadyEventsPerSec: steadyRate(catchUpResult),
  };
}

export async function projectionBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress, redisUrl } = context;
  const { events, products, timeoutMs } = profile.projection;
  const orders = Math.max(1, Math.floor((events - products) / 2));

  // the log, seeded once, copied for each run (a template database must have no connections)
  const seeded = await context.database('projection_seed');
  {
    const client = createPgClient(seeded.url);
    await migrate(client);
    await client.close();
    const pool = new pg.Pool({ connectionString: seeded.url, max: 1 });
    try {
      await seedProductEvents(pool, products);
      const chunk = 10_000;
      const placedAt = new Date().toISOString();
      for (let first = 0; first < orders; first += chunk) {
        progress.step('projection', first, orders, `seeding ${orders * 2 + products} events`);
        await seedOrderEvents(pool, first, Math.min(chunk, orders - first), products, placedAt);
      }
      await pool.query('VACUUM ANALYZE twofold_events');
    } finally {
      await pool.end();
    }
  }
  const logEvents = orders * 2 + products;

  const catchUp = async (label: string, names: readonly string[], redisUrl?: string): Promise<{ result: CatchUpResult; url: string }> => {
    const copy = await context.database(`projection_${label}`, seeded.name);
    const worker = await context.worker(`catchup-${label}`);
    progress.note(`projection: ${names.join(' + ')} catching up on ${logEvents} events${redisUrl === undefined ? '' : ' into Redis'}`);
    const result = await worker.call<CatchUpResult>(
      'catchup.run',
      { url: copy.url, projections: names, timeoutMs, ...(redisUrl === undefined ? {} : { redisUrl }) },
      timeoutMs + 60_000,
    );
    await worker.close();
    return { result, url: copy.url };
  };
  const alone = await catchUp('alone', ['orderSummaries']);
  const together = await catchUp('all', shopProjections.map((p) => p.name));
  const inRedis = await catchUp('redis', ['orderSummaries'], redisUrl);

  // a blue/green rebuild of the caught-up orderSummaries: a new generation from history, then the switch
  const rebuildWorker = await context.worker('rebuild');
  progress.note('projection: rebuilding orderSummaries beside the live one');
  const rebuild = await rebuildWorker.call<RebuildResult>('rebuild.run', { url: alone.url, projection: 'orderSummaries', timeoutMs }, timeoutMs + 60_000);
  await rebuildWorker.close();

  // the ceiling: the same orderSummaries rows (same table, same indexes) built by one INSERT … SELECT on the server
  const sqlPool = new pg.Pool({ connectionString: alone.url, max: 1 });
  let sqlMs: number;
  try {
    // the projection's table may sit in a schema of its generation, behind a view of the same name
    const { rows } = await sqlPool.query<{ schema: string }>(`SELECT schemaname AS schema FROM pg_tables WHERE tablename = 'order_summaries' LIMIT 1`);
    if (rows[0] === undefined) throw new Error('the orderSummaries projection created no table order_summaries');
    await sqlPool.query(`CREATE TABLE order_summaries_by_sql (LIKE "${rows[0].schema}".order_summaries INCLUDING ALL)`);
    progress.note('projection: the same read model by one SQL statement');
    const started = epochMs();
    await sqlPool.query(orderSummariesBySql('order_summaries_by_sql'));
    sqlMs = epochMs() - started;
  } finally {
    await sqlPool.end();
  }
  const steady = (times: CatchUpTimes | undefined): number | undefined =>
    times === undefined || !(times.elapsedMs > times.firstBatchMs)
      ? undefined
      : Math.round(((alone.result.headPosition - times.firstBatchPosition) / (times.elapsedMs - times.firstBatchMs)) * 1000);
  const overall = (ms: number | undefined): number | undefined => (ms === undefined || !(ms > 0) ? undefined : Math.round((logEvents / ms) * 1000));
  const aloneTimes = alone.result.projections['orderSummaries'];
  const aloneRate = steady(aloneTimes);
  const sqlRate = overall(sqlMs);

  // counters: Twofold and Emmett over the same kind of events, one after the other on one database
  const counterDatabase = await context.database('counters');
  {
    const client = createPgClient(counterDatabase.url);
    await migrate(client);
    await client.close();
  }
  const pool = new pg.Pool({ connectionString: counterDatabase.url, max: 2 });
  context.defer(() => pool.end());
  const counters: CounterRun[] = [];
  for (const system of ['twofold', 'emmett'] as const) counters.push(await counterRun(context, system, counterDatabase.url, pool));
  const twofold = counters.find((c) => c.system === 'twofold')!;
  const emmett = counters.find((c) => c.system === 'emmett')!;

  const catchUpRow = (label: string, run: CatchUpTimes | undefined): Cell[] => [
    label,
    logEvents,
    run === undefined ? undefined : Math.round(run.elapsedMs),
    overall(run?.elapsedMs),
    steady(run),
    run?.batches,
    times(ratio(steady(run), sqlRate)),
  ];
  const catchUpRows: Cell[][] = [
    catchUpRow('orderSummaries alone (daemon)', aloneTimes),
    ...Object.entries(together.result.projections).map(([name, t]) => catchUpRow(`${name}, with all shop projections`, t)),
    catchUpRow('orderSummaries in Redis (daemon, alone)', inRedis.result.projections['orderSummaries']),
    ['orderSummaries rebuilt blue/green (request → switch)', logEvents, Math.round(rebuild.elapsedMs), overall(rebuild.elapsedMs), undefined, undefined, undefined],
    ['orderSummaries by one INSERT … SELECT (ceiling)', logEvents, Math.round(sqlMs), sqlRate, sqlRate, 1, times(1)],
  ];
  const counterRows: Cell[][] = counters.map((c) => [
    c.system,
    c.appended,
    `${c.liveApplied} (${c.liveApplied === c.appended ? 'exact' : `${c.appended - c.liveApplied} missing`})`,
    c.liveDrainMs,
    `${c.catchUpApplied}${c.catchUpApplied === c.appended ? '' : ` (${c.appended - c.catchUpApplied} missing)`}`,
    c.catchUpMs,
    c.catchUpEventsPerSec,
    c.catchUpSteadyEventsPerSec,
  ]);
  // steady rates when both have one, else both with start-up
  const bothSteady = twofold.catchUpSteadyEventsPerSec !== undefined && emmett.catchUpSteadyEventsPerSec !== undefined;
  const counterRatio = bothSteady
    ? ratio(twofold.catchUpSteadyEventsPerSec, emmett.catchUpSteadyEventsPerSec)
    : ratio(twofold.catchUpEventsPerSec, emmett.catchUpEventsPerSec);
  const goals: Goal[] = [
    goal('projection', 'catch-up into orderSummaries, events/s', 30_000, aloneRate),
    goal('projection', 'counter catch-up, twofold ÷ emmett processor', 10, counterRatio),
    goal('projection', 'twofold counter exact under 8 concurrent writers (live applied ÷ appended)', 1, ratio(twofold.liveApplied, twofold.appended)),
  ];
  return {
    name: 'projection',
    tables: [
      {
        title: `projection catch-up: ${logEvents} events (${orders} orders, each OrderPlaced + StockReserved) into the PostgreSQL read models`,
        columns: ['what', 'events', 'ms', 'events/s', 'steady events/s', 'batches', 'steady ÷ SQL'],
        rows: catchUpRows,
        notes: [
          'The daemon with default settings (batches of 500, doubling to 2,000 while behind) in its own process, from an empty checkpoint, with the shop\'s projections as it runs them on one database (orderSummaries reads its events from the log by position); ms: from start until its checkpoint reached the head of the log (start-up included); steady: from its first committed batch to the head.',
          '÷ SQL: against one server-side INSERT … SELECT building the same orderSummaries rows into a table with the same indexes.',
          'Redis: the same read model as one hash per order (@twofold/redis, a log position per key checked in Lua), checkpoint in Redis.',
          'rebuild: on the caught-up copy, a rebuild request builds a new generation in its own schema from the start of the log and switches the views to it in one transaction; ms from the request to the switch.',
        ],
      },
      {
        title: `projection, counter per stream: ${profile.projection.counterEvents} events by ${profile.projection.counterWriters} concurrent writers, Twofold's daemon vs Emmett's processor`,
        columns: ['system', 'appended', 'applied live', 'drain ms', 'catch-up applied', 'catch-up ms', 'events/s', 'steady events/s'],
        rows: counterRows,
        notes: [
          `catch-up: twofold ÷ emmett = ${counterRatio ?? '–'}× (${bothSteady ? 'steady rates' : 'rates with start-up: one of them applied everything at once'}). Twofold: batch folded per stream, one upsert per batch; Emmett 0.42.0: postgreSQLRawSQLProjection, one upsert per event, defaults (batch 100, 50 ms pulls).`,
          'applied live: what the projection running during the writes counted once it settled (no change for the settle time); drain: from the last write until its last change; catch-up: a new projection from the start of the log after the writes, ms from its start (start-up included) to its last change, steady events/s between its first and last change (counts polled every 10 ms).',
          ...counters.filter((c) => c.writeErrors > 0).map((c) => `${c.system}: ${c.writeErrors} appends failed`),
        ],
      },
    ],
    chart: {
      title: 'projection: events/s',
      unit: 'events per second, higher is better',
      groups: [
        {
          label: 'shop catch-up',
          bars: [
            { series: 'twofold daemon', value: aloneRate },
            { series: 'one SQL statement', value: sqlRate },
          ],
          caption: `${ratio(aloneRate, sqlRate) ?? '–'}× of SQL`,
        },
        {
          label: 'orderSummaries in Redis, rebuild',
          bars: [
            { series: 'twofold daemon', value: steady(inRedis.result.projections['orderSummaries']) },
            { series: 'rebuild, request → switch', value: overall(rebuild.elapsedMs) },
          ],
          caption: 'events/s',
        },
        {
          label: 'counter catch-up',
          bars: [
            { series: 'twofold daemon', value: bothSteady ? twofold.catchUpSteadyEventsPerSec : twofold.catchUpEventsPerSec },
            { series: 'emmett processor', value: bothSteady ? emmett.catchUpSteadyEventsPerSec : emmett.catchUpEventsPerSec },
          ],
          caption: `${counterRatio ?? '–'}× emmett`,
        },
      ],
    },
    goals,
    data: { logEvents, orders, products, catchUpAlone: alone.result, catchUpAll: together.result, catchUpRedis: inRedis.result, rebuild, sqlMs, counters },
  };
}
