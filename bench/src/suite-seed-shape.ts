// Benchmark 4, the seed's shape: place orders at a fixed rate with 50 times that in order reads, on the shop on PostgreSQL;
// command p99, query p99 and projection lag per event, stepping the rate up; the same load on the Fastify baseline beside it.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { epochMs } from './clock.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { lagsOf, type CommittedEvent, type ProgressEntry } from './lag.js';
import { runOpenLoop, type OpenLoopResult } from './load.js';
import { addProducts, inParallel, orderBody } from './shop-requests.js';
import { ratePerSecond, summarizeLatencies, type LatencySummary } from './stats.js';
import { goal, type BenchmarkReport, type SuiteContext } from './suite.js';
import type { Worker } from './worker-process.js';
import type { CounterSystem, LiveLagResult } from './worker-projections.js';

/** Bol.com at peak (the seeds): 10,000 orders a minute. */
export const peakOrdersPerSec = 167;

export interface ShapeLoad {
  /** Reads answered 404: the order was placed but its read model had not caught up yet (a stale read, not an error). */
  readonly notYetVisible: number;
  readonly commandsPerSec: number;
  readonly queriesPerSec: number;
  readonly command: LatencySummary;
  readonly query: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
}

export interface ShapeStep {
  readonly writeRate: number;
  readonly queryRate: number;
  /** Undefined once Twofold has missed a lower rate: the ladder goes on for the baseline alone. */
  readonly twofold: (ShapeLoad & { readonly lag: LatencySummary; readonly eventsNeverApplied: number }) | undefined;
  /** Undefined once the baseline has failed to hold a lower rate. */
  readonly baseline: ShapeLoad | undefined;
  /** Lag p99 under 100 ms, the rates held, and under 1 % errors. */
  readonly passed: boolean;
  /** The baseline held the same rates with under 1 % errors and command and read p99 under 100 ms. */
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

async function runShape(client: HttpClient, paths: { command: string; query: string }, writeRate: number, queryRate: number, durationMs: number, known: string[], products: number): Promise<ShapeLoad> {
  const prefix = `${randomBytes(3).toString('hex')}-${writeRate}`;
  let notYetVisible = 0;
  const [commands, queries] = await Promise.all([
    runOpenLoop({
      ratePerSec: writeRate,
      durationMs,
      operation: async (n) => {
        const id = `${prefix}-${n}`;
        await client.expect(202, 'POST', paths.command, orderBody(id, products, n));
        known.push(id);
      },
    }),
    runOpenLoop({
      ratePerSec: queryRate,
      durationMs,
      operation: async () => {
        const path = `${paths.query}${known[Math.floor(Math.random() * known.length)]}`;
        const answer = await client.request('GET', path);
        if (answer.status === 404) notYetVisible++;
        else if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      },
    }),
  ]);
  const rate = (result: OpenLoopResult): number => ratePerSecond(result.operations, result.elapsedMs);
  return {
    notYetVisible,
    commandsPerSec: rate(commands),
    queriesPerSec: rate(queries),
    command: summarizeLatencies(commands.latenciesMs),
    query: summarizeLatencies(queries.latenciesMs),
    errors: commands.errors + queries.errors,
    firstError: commands.firstError ?? queries.firstError,
  };
}

/** The daemon's progress until orderSummaries reached the head of the log (or `timeoutMs` passed). */
async function progressUntilHead(worker: Worker, pool: pg.Pool, timeoutMs: number, entries: ProgressEntry[]): Promise<void> {
  const { rows } = await pool.query<{ xid: string; position: string }>(
    'SELECT transaction_id::text AS xid, global_position::text AS position FROM twofold_events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
  );
  const head = rows[0] === undefined ? undefined : { transactionId: Number(rows[0].xid), position: Number(rows[0].position) };
  const deadline = epochMs() + timeoutMs;
  for (;;) {
    entries.push(...(await worker.call<ProgressEntry[]>('server.progress')));
    const last = entries.at(-1);
    const reached = head === undefined || (last !== undefined && (last[1] > head.transactionId || (last[1] === head.transactionId && last[2] >= head.position)));
    if (reached || epochMs() > deadline) return;
    await sleep(50);
  }
}

export async function seedShapeBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { writeRates, queriesPerWrite, durationMs, seedOrders, products } = profile.seedShape;
  // the baseline only shows what the same rates cost without Twofold: half the time is enough
  const baselineDurationMs = Math.min(durationMs / 2, 10_000);
  const database = await context.database('shape');
  // the shop as it is deployed on PostgreSQL: commands and queries in one process, the projector in another, so a
  // burst of requests never holds up a batch (and a batch never holds up a request) on one event loop
  const shopWorker = await context.worker('shape-shop');
  const shop = createHttpClient((await shopWorker.call<{ url: string }>('server.shop', { store: database.url, roles: ['command', 'query'] })).url, 1024);
  const projectorWorker = await context.worker('shape-projector');
  await projectorWorker.call('server.shop', { store: database.url, roles: ['projector'] });
  context.defer(async () => shop.close());
  const baselineWorker = await context.worker('shape-baseline');
  const baseline = createHttpClient((await baselineWorker.call<{ url: string }>('server.baseline', { url: database.url })).url, 1024);
  context.defer(async () => baseline.close());
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  context.defer(() => pool.end());

  progress.note(`seedShape: adding ${products} products and ${seedOrders} orders`);
  await addProducts(shop, products);
  const shopOrders: string[] = [];
  const baselineOrders: string[] = [];
  await inParallel(seedOrders, 8, async (i) => {
    await shop.expect(202, 'POST', '/api/orders', orderBody(`seed-${i}`, products, i));
    shopOrders.push(`seed-${i}`);
    await baseline.expect(202, 'POST', '/orders', orderBody(`seed-${i}`, products, i));
    baselineOrders.push(`seed-${i}`);
  });

  const twofoldStep = async (rates: { writeRate: number; queryRate: number }, index: number): Promise<ShapeStep['twofold']> => {
    // settle what came before, then mark where this step's events start
    await progressUntilHead(projectorWorker, pool, 10_000, []);
    const { rows } = await pool.query<{ mark: string | null }>('SELECT max(global_position)::text AS mark FROM twofold_events');
    const mark = Number(rows[0]?.mark ?? 0);
    progress.step('seedShape', index * 2, writeRates.length * 2, `twofold: ${rates.writeRate} orders/s + ${rates.queryRate} reads/s for ${durationMs / 1000} s`);
    const load = await runShape(shop, { command: '/api/orders', query: '/api/orders/' }, rates.writeRate, rates.queryRate, durationMs, shopOrders, products);
    const entries: ProgressEntry[] = [];
    await progressUntilHead(projectorWorker, pool, 10_000, entries);
    const events = await pool.query<{ position: string; xid: string; committed_ms: number }>(
      `SELECT global_position::text AS position, transaction_id::text AS xid, extract(epoch FROM recorded_at) * 1000 AS committed_ms
       FROM twofold_events WHERE global_position > $1`,
      [mark],
    );
    const committed: CommittedEvent[] = events.rows.map((row) => ({ position: Number(row.position), transactionId: Number(row.xid), committedAtMs: Number(row.committed_ms) }));
    const lags = lagsOf(committed, entries);
    return { ...load, lag: summarizeLatencies(lags.filter((l): l is number => l !== undefined)), eventsNeverApplied: lags.filter((l) => l === undefined).length };
  };
  const held = (run: ShapeLoad, rates: { writeRate: number; queryRate: number }, ms: number): boolean =>
    run.commandsPerSec >= rates.writeRate * 0.95 && run.queriesPerSec >= rates.queryRate * 0.95 && run.errors <= 0.01 * (rates.writeRate + rates.queryRate) * (ms / 1000);
  // each ladder stops at its first miss: Twofold's gives the goal's figure, the baseline's what the machine allows
  const steps: ShapeStep[] = [];
  let twofoldGoing = true;
  let baselineGoing = true;
  for (const [index, writeRate] of writeRates.entries()) {
    if (!twofoldGoing && !baselineGoing) break;
    const rates = { writeRate, queryRate: writeRate * queriesPerWrite };
    const twofold: ShapeStep['twofold'] = twofoldGoing ? await twofoldStep(rates, index) : undefined;
    let baselineLoad: ShapeLoad | undefined;
    if (baselineGoing) {
      progress.step('seedShape', index * 2 + 1, writeRates.length * 2, `baseline: ${writeRate} orders/s + ${rates.queryRate} reads/s for ${baselineDurationMs / 1000} s`);
      baselineLoad = await runShape(baseline, { command: '/orders', query: '/orders/' }, writeRate, rates.queryRate, baselineDurationMs, baselineOrders, products);
    }
    const passed: boolean = twofold !== undefined && twofold.lag.p99Ms < lagTargetMs && twofold.eventsNeverApplied === 0 && held(twofold, rates, durationMs);
    const baselineHeld =
      baselineLoad !== undefined && held(baselineLoad, rates, baselineDurationMs) && baselineLoad.command.p99Ms < lagTargetMs && baselineLoad.query.p99Ms < lagTargetMs;
    steps.push({ ...rates, twofold, baseline: baselineLoad, passed, baselineHeld });
    twofoldGoing = passed;
    baselineGoing = baselineHeld;
  }
  const highestPassing = steps.filter((s) => s.passed).at(-1)?.writeRate;
  const baselineHighest = steps.filter((s) => s.baselineHeld).at(-1)?.writeRate;
  const lagRuns = await liveLagComparison(context);
  progress.step('seedShape', writeRates.length * 2, writeRates.length * 2, 'done');
  const { lagComparison } = profile.seedShape;

  return {
    name: 'seedShape',
    tables: [
      {
        title: `the seed's shape: orders at a fixed rate + ${queriesPerWrite}× that in GET /api/orders/:id, shop on PostgreSQL: commands and queries in one process, the projector in another (${durationMs / 1000} s per step)`,
        columns: ['orders/s', 'reads/s', 'cmd p50', 'cmd p99', 'read p50', 'read p99', 'lag p50', 'lag p99', 'lag max', 'errors', 'reads 404', 'base cmd p99', 'base read p99', 'base held', 'lag p99 < 100 ms'],
        rows: steps.map(({ twofold: t, baseline: b, ...s }) => [
          t?.commandsPerSec ?? s.writeRate,
          t?.queriesPerSec ?? s.queryRate,
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
          b === undefined ? undefined : s.baselineHeld ? 'yes' : 'no',
          t === undefined ? undefined : s.passed ? 'yes' : 'no',
        ]),
        notes: [
          `highest write rate with lag p99 < ${lagTargetMs} ms (rates held, < 1 % errors): ${rateText(highestPassing)}; the baseline held up to ${rateText(baselineHighest)}. Each ladder stops at its first miss ('–': not run).`,
          'Latencies in ms from the time each request was due (open loop). Lag per event: its transaction\'s start (recorded_at) to the daemon\'s commit of the batch that took the orderSummaries checkpoint past it (onProgress, in the projector\'s process).',
          'reads 404: a read of an order placed moments before, answered before the read model had it (eventual consistency; the reads send no X-Min-Position).',
          `base: the same rates against the Fastify baseline (one INSERT / one primary-key SELECT per request, no Twofold) for ${baselineDurationMs / 1000} s; held: rates kept, < 1 % errors, both p99 < ${lagTargetMs} ms. Where the baseline does not hold a rate either, the machine (load generator, server and PostgreSQL on the same cores) is the bound, not Twofold.`,
          ...steps.flatMap(({ writeRate, twofold: t }) => (t !== undefined && t.errors > 0 ? [`at ${writeRate}/s: ${t.errors} errors (${t.firstError})`] : [])),
          ...steps.flatMap(({ writeRate, twofold: t }) => (t !== undefined && t.eventsNeverApplied > 0 ? [`at ${writeRate}/s: ${t.eventsNeverApplied} events not applied within 10 s`] : [])),
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
    data: { steps, highestPassingWriteRate: highestPassing, baselineHighestWriteRate: baselineHighest, liveLag: lagRuns },
  };
}
