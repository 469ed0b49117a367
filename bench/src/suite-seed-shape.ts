// Benchmark 4, the seed's shape: place orders at a fixed rate with 50 times that in order reads, on the shop on PostgreSQL;
// command p99, query p99 and projection lag per event, stepping the rate up; the same load on the Fastify baseline beside it.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { epochMs } from './clock.js';
import { createHttpClient } from './http-client.js';
import { lagsOf, type CommittedEvent, type ProgressEntry } from './lag.js';
import { generatorLimits, readersFor, readsPerGenerator, runShape, type ShapeGenerators, type ShapeLoad, type ShapeTarget, type ShapeTiming } from './shape-load.js';
import { addProducts, inParallel, orderBody } from './shop-requests.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';
import { goal, type BenchmarkReport, type SuiteContext } from './suite.js';
import { formatNumber } from './table.js';
import type { Worker } from './worker-process.js';
import type { CounterSystem, LiveLagResult } from './worker-projections.js';

export type { ShapeLoad } from './shape-load.js';

/** Bol.com at peak (the seeds): 10,000 orders a minute. */
export const peakOrdersPerSec = 167;

/** held: the rates kept within the limits; missed: the generator kept its schedule and the server did not; generator-bound: the generator fell behind, so the step says nothing of the server. */
export type StepVerdict = 'held' | 'missed' | 'generator-bound';

export interface ShapeStep {
  readonly writeRate: number;
  readonly queryRate: number;
  /** Undefined once Twofold has not held a lower rate: the ladder goes on for the baseline alone. */
  readonly twofold: (ShapeLoad & { readonly lag: LatencySummary; readonly eventsNeverApplied: number }) | undefined;
  /** Undefined once the baseline has not held a lower rate. */
  readonly baseline: ShapeLoad | undefined;
  readonly twofoldVerdict: StepVerdict | undefined;
  readonly baselineVerdict: StepVerdict | undefined;
  /** Held: the generator kept its schedule, lag p99 under 100 ms, the rates held, and under 1 % errors. */
  readonly passed: boolean;
  /** Held: the generator kept its schedule, the rates held with under 1 % errors, and command and read p99 under 100 ms. */
  readonly baselineHeld: boolean;
}

const lagTargetMs = 100;

const rateText = (rate: number | undefined): string => (rate === undefined ? 'none of the rates tried' : `${rate} orders/s`);

export interface LiveLagRun {
  readonly system: CounterSystem;
  readonly appended: number;
  readonly errors: number;
  readonly lag: LatencySummary;
  readonly neverApplied: number;
}

/** The same counter projection run live by Twofold's daemon and by Emmett's processor while appends arrive at one rate. */
async function liveLagComparison(context: SuiteContext): Promise<LiveLagRun[]> {
  const { ratePerSec, durationMs, settleMs } = context.profile.seedShape.lagComparison;
  const runs: LiveLagRun[] = [];
  for (const system of ['twofold', 'emmett'] as const) {
    context.progress.note(`seedShape: ${system}'s projection live at ${ratePerSec} appends/s for ${durationMs / 1000} s`);
    const database = await context.database(`lag-${system}`);
    const worker = await context.worker(`lag-${system}`);
    const result = await worker.call<LiveLagResult>(
      'lag.run',
      { system, url: database.url, name: `lag_${system}`, ratePerSec, streams: 200, durationMs, settleMs },
      durationMs + settleMs + 60_000,
    );
    await worker.close();
    runs.push({ system, appended: result.appended, errors: result.errors, lag: summarizeLatencies(result.lagsMs), neverApplied: result.neverApplied });
  }
  return runs;
}

/**
 * The daemon's progress until orderSummaries reached the head of the log (or `timeoutMs` passed); `since`: the last
 * entry an earlier call saw (a daemon already at the head reports nothing new). Resolves to the last entry seen.
 */
async function progressUntilHead(worker: Worker, pool: pg.Pool, timeoutMs: number, entries: ProgressEntry[], since: ProgressEntry | undefined): Promise<ProgressEntry | undefined> {
  const { rows } = await pool.query<{ xid: string; position: string }>(
    'SELECT transaction_id::text AS xid, global_position::text AS position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  const head = rows[0] === undefined ? undefined : { transactionId: Number(rows[0].xid), position: Number(rows[0].position) };
  const deadline = epochMs() + timeoutMs;
  for (;;) {
    entries.push(...(await worker.call<ProgressEntry[]>('server.progress')));
    const last = entries.at(-1) ?? since;
    const reached = head === undefined || (last !== undefined && (last[1] > head.transactionId || (last[1] === head.transactionId && last[2] >= head.position)));
    if (reached || epochMs() > deadline) return last;
    await sleep(50);
  }
}

export async function seedShapeBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { writeRates, queriesPerWrite, durationMs, baselineDurationMs, warmupMs, serverWarmupMs, seedOrders, products } = profile.seedShape;
  const database = await context.database('shape');
  // the shop as it is deployed on PostgreSQL: commands and queries in one process, the projector in another, so a
  // burst of requests never holds up a batch (and a batch never holds up a request) on one event loop
  const shopWorker = await context.worker('shape-shop');
  const shopUrl = (await shopWorker.call<{ url: string }>('server.shop', { store: database.url, roles: ['command', 'query'] })).url;
  const projectorWorker = await context.worker('shape-projector');
  await projectorWorker.call('server.shop', { store: database.url, roles: ['projector'] });
  const baselineWorker = await context.worker('shape-baseline');
  const baselineUrl = (await baselineWorker.call<{ url: string }>('server.baseline', { url: database.url })).url;
  // the load: the order writer and each reader in a process of its own, never on the event loop of a server or of this process
  const generators: ShapeGenerators = {
    orders: await context.worker('shape-load-orders'),
    reads: await Promise.all(
      Array.from({ length: Math.max(...writeRates.map((rate) => readersFor(rate * queriesPerWrite))) }, (_, i) => context.worker(`shape-load-reads-${i + 1}`)),
    ),
  };
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  context.defer(() => pool.end());

  progress.note(`seedShape: adding ${products} products and ${seedOrders} orders`);
  const shop: ShapeTarget = { baseUrl: shopUrl, commandPath: '/api/orders', queryPath: '/api/orders/', known: [] };
  const baseline: ShapeTarget = { baseUrl: baselineUrl, commandPath: '/orders', queryPath: '/orders/', known: [] };
  const seeders = [shop, baseline].map((target) => ({ target, client: createHttpClient(target.baseUrl, 8) }));
  try {
    await addProducts(seeders[0]!.client, products);
    await inParallel(seedOrders, 8, async (i) => {
      for (const { target, client } of seeders) {
        await client.expect(202, 'POST', target.commandPath, orderBody(`seed-${i}`, products, i));
        target.known.push(`seed-${i}`);
      }
    });
  } finally {
    await Promise.all(seeders.map(({ client }) => client.close()));
  }

  // each step warms up at its own rate, ramped over the first half; the first step on each server warms the server too
  const timingOf = (index: number, windowMs: number): ShapeTiming => {
    const warmup = warmupMs + (index === 0 ? serverWarmupMs : 0);
    return { warmupMs: warmup, rampMs: warmup / 2, durationMs: windowMs };
  };
  const stepText = (rates: { writeRate: number; queryRate: number }, timing: ShapeTiming): string =>
    `${rates.writeRate} orders/s + ${rates.queryRate} reads/s, ${timing.warmupMs / 1000} s warm-up + ${timing.durationMs / 1000} s`;
  let lastProgress: ProgressEntry | undefined;
  const twofoldStep = async (rates: { writeRate: number; queryRate: number }, index: number): Promise<NonNullable<ShapeStep['twofold']>> => {
    // settle what came before, then mark where this step's events start
    lastProgress = await progressUntilHead(projectorWorker, pool, 10_000, [], lastProgress);
    const { rows } = await pool.query<{ mark: string | null }>('SELECT max(global_position)::text AS mark FROM twofold_events');
    const mark = Number(rows[0]?.mark ?? 0);
    const timing = timingOf(index, durationMs);
    progress.step('seedShape', index * 2, writeRates.length * 2, `twofold: ${stepText(rates, timing)}`);
    const { load, windowStartEpochMs } = await runShape(generators, shop, rates, timing, products);
    const entries: ProgressEntry[] = [];
    lastProgress = await progressUntilHead(projectorWorker, pool, 10_000, entries, lastProgress);
    const events = await pool.query<{ position: string; xid: string; committed_ms: number }>(
      `SELECT global_position::text AS position, transaction_id::text AS xid, extract(epoch FROM recorded_at) * 1000 AS committed_ms
       FROM twofold_events WHERE global_position > $1`,
      [mark],
    );
    const committed: CommittedEvent[] = events.rows.map((row) => ({ position: Number(row.position), transactionId: Number(row.xid), committedAtMs: Number(row.committed_ms) }));
    const lags = lagsOf(committed, entries);
    // the lag of the window's events; an event never applied counts, warm-up or not
    const windowLags = lags.filter((lag, i): lag is number => lag !== undefined && committed[i]!.committedAtMs >= windowStartEpochMs);
    return { ...load, lag: summarizeLatencies(windowLags), eventsNeverApplied: lags.filter((l) => l === undefined).length };
  };
  const held = (run: ShapeLoad, rates: { writeRate: number; queryRate: number }, ms: number): boolean =>
    run.commandsPerSec >= rates.writeRate * 0.95 && run.queriesPerSec >= rates.queryRate * 0.95 && run.errors <= 0.01 * (rates.writeRate + rates.queryRate) * (ms / 1000);
  const verdict = (run: ShapeLoad | undefined, withinLimits: boolean): StepVerdict | undefined =>
    run === undefined ? undefined : !run.generatorKeptSchedule ? 'generator-bound' : withinLimits ? 'held' : 'missed';
  // each ladder stops at the first rate it does not hold: Twofold's gives the goal's figure, the baseline's what the machine allows
  const steps: ShapeStep[] = [];
  let twofoldGoing = true;
  let baselineGoing = true;
  for (const [index, writeRate] of writeRates.entries()) {
    if (!twofoldGoing && !baselineGoing) break;
    const rates = { writeRate, queryRate: writeRate * queriesPerWrite };
    const twofold = twofoldGoing ? await twofoldStep(rates, index) : undefined;
    let baselineLoad: ShapeLoad | undefined;
    if (baselineGoing) {
      const timing = timingOf(index, baselineDurationMs);
      progress.step('seedShape', index * 2 + 1, writeRates.length * 2, `baseline: ${stepText(rates, timing)}`);
      baselineLoad = (await runShape(generators, baseline, rates, timing, products)).load;
    }
    const twofoldVerdict = verdict(twofold, twofold !== undefined && twofold.lag.p99Ms < lagTargetMs && twofold.eventsNeverApplied === 0 && held(twofold, rates, durationMs));
    const baselineVerdict = verdict(
      baselineLoad,
      baselineLoad !== undefined && held(baselineLoad, rates, baselineDurationMs) && baselineLoad.command.p99Ms < lagTargetMs && baselineLoad.query.p99Ms < lagTargetMs,
    );
    const passed = twofoldVerdict === 'held';
    const baselineHeld = baselineVerdict === 'held';
    steps.push({ ...rates, twofold, baseline: baselineLoad, twofoldVerdict, baselineVerdict, passed, baselineHeld });
    twofoldGoing = passed;
    baselineGoing = baselineHeld;
  }
  const highestPassing = steps.filter((s) => s.passed).at(-1)?.writeRate;
  const baselineHighest = steps.filter((s) => s.baselineHeld).at(-1)?.writeRate;
  const lagRuns = await liveLagComparison(context);
  progress.step('seedShape', writeRates.length * 2, writeRates.length * 2, 'done');
  const { lagComparison } = profile.seedShape;
  const verdictCell = (v: StepVerdict | undefined): string | undefined => (v === undefined ? undefined : v === 'held' ? 'yes' : v === 'missed' ? 'no' : 'generator-bound');
  // where a ladder stopped, and why
  const endOf = (system: string, which: (step: ShapeStep) => StepVerdict | undefined, highest: number | undefined): string => {
    const stop = steps.find((step) => which(step) !== undefined && which(step) !== 'held');
    return `${system} held ${rateText(highest)}${stop === undefined ? '' : `, then ${which(stop) === 'missed' ? 'missed' : 'was generator-bound at'} ${stop.writeRate} orders/s`}`;
  };
  const generatorRows = steps.flatMap((step) =>
    (
      [
        ['twofold', step.twofold, step.twofoldVerdict],
        ['baseline', step.baseline, step.baselineVerdict],
      ] as const
    ).flatMap(([server, run, v]) => {
      if (run === undefined) return [];
      const { commands, queries } = run.generator;
      return [
        [
          step.writeRate,
          step.queryRate,
          server,
          commands.issuedPerSec,
          queries.issuedPerSec,
          commands.scheduleLagMs.p99Ms,
          queries.scheduleLagMs.p99Ms,
          queries.scheduleLagMs.maxMs,
          commands.cpuPercent,
          queries.cpuPercent,
          `${commands.connections} / ${queries.processes} × ${queries.connections}`,
          queries.peakInFlight,
          v,
        ],
      ];
    }),
  );

  return {
    name: 'seedShape',
    tables: [
      {
        title: `the seed's shape: orders at a fixed rate + ${queriesPerWrite}× that in GET /api/orders/:id, shop on PostgreSQL: commands and queries in one process, the projector in another (${durationMs / 1000} s per step after ${warmupMs / 1000} s of warm-up)`,
        columns: ['orders/s', 'reads/s', 'cmd p50', 'cmd p99', 'read p50', 'read p99', 'lag p50', 'lag p99', 'lag max', 'errors', 'reads 404', 'base cmd p99', 'base read p99', 'base held', 'lag p99 < 100 ms'],
        rows: steps.map(({ twofold: t, baseline: b, ...s }) => [
          s.writeRate,
          s.queryRate,
          t?.command.p50Ms,
          t?.command.p99Ms,
          t?.query.p50Ms,
          t?.query.p99Ms,
          t?.lag.p50Ms,
          t?.lag.p99Ms,
          t?.lag.maxMs,
          t?.errors,
          t?.notYetVisible,
          b?.command.p99Ms,
          b?.query.p99Ms,
          verdictCell(s.baselineVerdict),
          verdictCell(s.twofoldVerdict),
        ]),
        notes: [
          `highest write rate with lag p99 < ${lagTargetMs} ms (rates held, < 1 % errors): ${endOf('Twofold', (s) => s.twofoldVerdict, highestPassing)}; ${endOf('the baseline', (s) => s.baselineVerdict, baselineHighest)}. Each ladder stops at the first rate it does not hold ('–': not run).`,
          `generator-bound: the load generator did not keep its schedule (it issued < ${generatorLimits.issuedShare * 100} % of a rate, or its schedule lag p99 was ≥ ${generatorLimits.scheduleLagP99Ms} ms; see the next table), so the step says nothing of the server. A step is held only where the generator kept its schedule.`,
          'Latencies in ms from the time each request was due (open loop). Lag per event (events of the window): its transaction\'s start (recorded_at) to the daemon\'s commit of the batch that took the orderSummaries checkpoint past it (onProgress, in the projector\'s process).',
          'reads 404: a read of an order placed moments before, answered before the read model had it (eventual consistency; the reads send no X-Min-Position).',
          `base: the same rates against the Fastify baseline (one INSERT / one primary-key SELECT per request, no Twofold) for ${baselineDurationMs / 1000} s; held: rates kept, < 1 % errors, both p99 < ${lagTargetMs} ms. Where the baseline does not hold a rate either, the machine (servers, PostgreSQL and the load generators on the same cores) is the bound, not Twofold.`,
          ...steps.flatMap(({ writeRate, queryRate, twofold: t, baseline: b }) =>
            (
              [
                ['Twofold', t],
                ['the baseline', b],
              ] as const
            ).flatMap(([server, run]) =>
              run !== undefined && (run.commandsPerSec < writeRate * 0.95 || run.queriesPerSec < queryRate * 0.95)
                ? [`at ${writeRate}/s: ${server} answered ${formatNumber(run.commandsPerSec)} orders/s and ${formatNumber(run.queriesPerSec)} reads/s in the window`]
                : [],
            ),
          ),
          ...steps.flatMap(({ writeRate, twofold: t }) => (t !== undefined && t.errors > 0 ? [`at ${writeRate}/s: ${t.errors} errors (${t.firstError})`] : [])),
          ...steps.flatMap(({ writeRate, baseline: b }) => (b !== undefined && b.errors > 0 ? [`baseline at ${writeRate}/s: ${b.errors} errors (${b.firstError})`] : [])),
          ...steps.flatMap(({ writeRate, twofold: t }) => (t !== undefined && t.eventsNeverApplied > 0 ? [`at ${writeRate}/s: ${t.eventsNeverApplied} events not applied within 10 s`] : [])),
        ],
      },
      {
        title: "the seed's shape: the load generator's own figures over each measured window",
        columns: ['orders/s', 'reads/s', 'server', 'orders sent/s', 'reads sent/s', 'orders sched lag p99', 'reads sched lag p99', 'reads sched lag max', 'orders gen CPU %', 'reads gen CPU %', 'connections', 'reads peak in flight', 'verdict'],
        rows: generatorRows,
        notes: [
          `The order writer and the readers each run in a worker process of their own (reads over ${readsPerGenerator.toLocaleString('en-US')}/s split over more), on one schedule started at the same moment; no server and no other stream shares their event loop. They share the machine's cores with the servers and PostgreSQL.`,
          `Each step: ${warmupMs / 1000} s of warm-up at the step's rate (ramped up from 0 over its first half, so connections open as the load needs them; the first step on each server ${serverWarmupMs / 1000} s longer), not counted, then the window.`,
          'sent/s: the window\'s requests ÷ the time until the last of them was issued (at least the window); sched lag: how late each request was issued after it was due (the generator\'s own delay; latencies above count it too); gen CPU %: the generator process\'s CPU over the window, % of one core (readers: the busiest).',
          'connections: orders / readers × per reader, each stream\'s rate × 50 ms, 4 to 256, opened as needed (no pipelining); requests beyond them wait at the client, and that wait counts in their latency.',
        ],
      },
      {
        title: `live projection lag at ${lagComparison.ratePerSec} appends/s for ${lagComparison.durationMs / 1000} s: Twofold's daemon vs Emmett's processor, same counter projection`,
        columns: ['system', 'appended', 'lag p50', 'lag p99', 'lag max', 'never applied', 'errors'],
        rows: lagRuns.map((run) => [run.system, run.appended, run.lag.p50Ms, run.lag.p99Ms, run.lag.maxMs, run.neverApplied, run.errors]),
        notes: [
          'One event per append, 200 streams, up to 8 appends in flight (open loop), each system on its own fresh database with its projection in the writers\' process.',
          `Lag per event: from its append's acknowledgement to the projection's handler receiving it (0 when the handler saw it first); never applied: not seen ${lagComparison.settleMs / 1000} s after the projection last moved.`,
          'Twofold: defaults (LISTEN/NOTIFY wake-ups, batch 500); Emmett 0.42.0: postgreSQLEventStoreConsumer with its defaults (batch 100, 50 ms pulls).',
        ],
      },
    ],
    chart: {
      title: "the seed's shape: p99 latencies (ms)",
      unit: 'milliseconds, lower is better; caption: orders/s + reads/s',
      groups: steps.map((s) => ({
        label: `${s.writeRate}/s`,
        bars: [
          { series: 'command p99', value: s.twofold?.command.p99Ms },
          { series: 'read p99', value: s.twofold?.query.p99Ms },
          { series: 'lag p99', value: s.twofold?.lag.p99Ms },
          { series: 'baseline cmd p99', value: s.baseline?.command.p99Ms },
          { series: 'baseline read p99', value: s.baseline?.query.p99Ms },
        ],
        caption: `${s.writeRate} + ${s.queryRate}/s`,
      })),
    },
    goals: [
      goal(
        'seedShape',
        `highest orders/s (+ ${queriesPerWrite}× reads) with lag p99 < ${lagTargetMs} ms; target Bol.com's peak (rates tried: ${writeRates.join(', ')}; the bare baseline held ${rateText(baselineHighest)})`,
        peakOrdersPerSec,
        highestPassing ?? 0,
      ),
      goal(
        'seedShape',
        "highest orders/s held ÷ the bare Fastify baseline's highest held (same ladder, same run; where the machine is the bound)",
        1,
        baselineHighest === undefined ? undefined : (highestPassing ?? 0) / baselineHighest,
      ),
    ],
    data: { steps, highestPassingWriteRate: highestPassing, baselineHighestWriteRate: baselineHighest, generatorLimits, liveLag: lagRuns },
  };
}
