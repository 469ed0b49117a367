// Benchmark 7, reads under writes: do reads hold while orders flow? wrk saturates order reads (by id, and search) on the
// shop with every role in one process, on PostgreSQL and on PGlite, while an open-loop writer places orders at 1, 50
// and 167/s; the same wrk on a bare Fastify route shows the generator's own ceiling. Then Bol.com's peak, open loop.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { epochMs } from './clock.js';
import { createCpuMeter, describeWindowCpu, type CpuMeter, type WindowCpu } from './cpu-usage.js';
import { createHttpClient } from './http-client.js';
import { generatorLimits, readersFor, runShape, writeOrders, type ShapeGenerators, type ShapeLoad } from './shape-load.js';
import { createShopLag, slowestOther, type ShopLag, type WindowLag } from './shop-lag.js';
import { addProducts, inParallel, orderBody } from './shop-requests.js';
import { ratio, summarizeLatencies, type LatencySummary } from './stats.js';
import { goal, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { formatNumber, times, type Cell } from './table.js';
import type { Worker } from './worker-process.js';
import type { ShapeStreamResult } from './worker-load.js';
import { requireWrk, runWrk, type WrkResult } from './wrk.js';

export type ReadsStore = 'PostgreSQL' | 'PGlite';
export type ReadsQuery = 'order-by-id' | 'search';
/** valid: the reads-alone reference; held / not held: reads under writes ≥ 0.8× reads alone or not; generator-bound: the figures are wrk's or the writer's, not the shop's. */
export type ReadsVerdict = 'valid' | 'held' | 'not held' | 'errors' | 'generator-bound';

/** Reads under writes hold at this share of reads alone (the goal's ratio). */
const heldShare = 0.8;
/**
 * The bare route must answer this many times the shop's reads/s: below it, wrk may be what bounds the shop's figure.
 * Above it, the same wrk on the same machine was shown to issue more than the shop answered, so the shop was the bound.
 */
const bareHeadroom = 1.2;
/**
 * The writer shares two cores with a saturating wrk, so its schedule slips more than an open-loop generator's should
 * (seedShape's 20 ms). Its latencies count from each request's due time, slip included: a slipping writer makes the
 * shop's write p99 look worse, never better. A row is the writer's fault only when it issued under 97 % of its rate
 * or slipped past this.
 */
const writerScheduleLagP99Ms = 100;
/** At the peak: the write p99 and lag p99 the goals ask for. */
const peakLimits = { writeP99Ms: 50, lagP99Ms: 20 } as const;
const saturatedLagP99Ms = 50;

export interface WriterFigures {
  readonly writesPerSec: number;
  readonly write: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly keptSchedule: boolean;
  readonly generator: ShapeStreamResult['generator'];
}

export interface ReadsRow {
  readonly store: ReadsStore;
  readonly writeRate: number;
  readonly query: ReadsQuery;
  readonly reads: WrkResult;
  readonly writer: WriterFigures;
  /** Undefined when the shop's process reported no projection progress. */
  readonly lag: WindowLag | undefined;
  /** Where the window's CPU went (undefined off Linux). */
  readonly cpu: WindowCpu | undefined;
  readonly timesReadsAlone: number | undefined;
  readonly timesBare: number | undefined;
  readonly verdict: ReadsVerdict;
  readonly why: string | undefined;
}

export interface PeakRun {
  readonly store: ReadsStore;
  readonly writeRate: number;
  readonly readRate: number;
  readonly load: ShapeLoad;
  readonly lag: WindowLag | undefined;
  readonly verdict: 'held' | 'not held' | 'generator-bound';
}

/** The peak with wrk paced to the read rate (a generator far cheaper than the reader processes) beside the writer. */
export interface PacedPeakRun {
  readonly store: ReadsStore;
  readonly writeRate: number;
  readonly readRate: number;
  readonly connections: number;
  readonly reads: WrkResult;
  readonly writer: WriterFigures;
  readonly lag: WindowLag | undefined;
  readonly cpu: WindowCpu | undefined;
  readonly verdict: 'held' | 'not held' | 'errors' | 'generator-bound';
}

export interface StoreSection {
  readonly store: ReadsStore;
  /** wrk on the bare Fastify app: a constant order-sized JSON, and (PostgreSQL) one primary-key SELECT through pg. */
  readonly bare: { readonly constant: WrkResult; readonly pkSelect: WrkResult | undefined };
  readonly rows: readonly ReadsRow[];
  readonly peak: PeakRun;
  readonly pacedPeak: PacedPeakRun;
  /** False when server.progress never gave an entry (the daemon is not in the shop's process): no lag. */
  readonly progressReported: boolean;
  /** The size of the shop's answer for one order, which the bare route answers as a constant. */
  readonly orderJsonBytes: number;
}

const loadText = (rate: number, first: boolean): string => (first ? `reads alone (${rate} write/s)` : `reads + ${rate} writes/s`);

/** Bol.com at peak (the seeds): 10,000 orders a minute, 50 reads per order. */
const bolPeak = { writeRate: 167, readRate: 8_300 } as const;
const peakText = ({ writeRate, readRate }: { writeRate: number; readRate: number }, how = 'open loop, Node readers'): string =>
  `${writeRate === bolPeak.writeRate && readRate === bolPeak.readRate ? 'Bol.com peak' : 'peak, scaled down'}: ${writeRate} w/s + ${formatNumber(readRate)} r/s, ${how}`;
const pacedHow = (threads: number, connections: number): string => `reads by wrk paced (-t${threads} -c${connections})`;

function writerFigures(result: ShapeStreamResult, durationMs: number): WriterFigures {
  const { generator } = result;
  return {
    writesPerSec: Math.round((result.latenciesMs.length / durationMs) * 10_000) / 10,
    write: summarizeLatencies(result.latenciesMs),
    errors: result.errors,
    firstError: result.firstError,
    keptSchedule: generator.issuedPerSec >= generator.targetPerSec * generatorLimits.issuedShare && generator.scheduleLagMs.p99Ms < writerScheduleLagP99Ms,
    generator,
  };
}

interface Section {
  readonly context: SuiteContext;
  readonly store: ReadsStore;
  readonly wrk: string;
  readonly shop: Worker;
  readonly shopUrl: string;
  readonly lag: ShopLag;
  readonly cpu: CpuMeter;
  readonly writer: Worker;
  readonly readers: () => Promise<Worker[]>;
  readonly orderIds: readonly string[];
  readonly searchTerms: readonly string[];
  step(what: string): void;
}

/**
 * One wrk window on the shop while the writer places orders at `writeRate`: warm-up (same load) first, then the window.
 * wrk saturates the shop (closed loop), or with `paced` sends `readRate` reads a second on `connections`.
 */
async function readWindow(
  section: Section,
  writeRate: number,
  query: ReadsQuery,
  paced?: { readonly readRate: number; readonly connections: number },
): Promise<Omit<ReadsRow, 'timesReadsAlone' | 'timesBare' | 'verdict' | 'why'>> {
  const { threads, durationMs, warmupMs, products } = section.context.profile.readsUnderWrites;
  const connections = paced?.connections ?? section.context.profile.readsUnderWrites.connections;
  await section.lag.settle(10_000);
  const mark = await section.lag.mark();
  const startAtEpochMs = epochMs() + 300;
  const timing = { warmupMs, rampMs: warmupMs / 2, durationMs };
  const writing = writeOrders(section.writer, { baseUrl: section.shopUrl, products, orderPrefix: `${randomBytes(3).toString('hex')}-${writeRate}` }, writeRate, timing, startAtEpochMs);
  const paths = query === 'order-by-id' ? section.orderIds.map((id) => `/api/orders/${id}`) : section.searchTerms.map((term) => `/api/orders?q=${encodeURIComponent(term)}`);
  const wrkOptions = { wrk: section.wrk, baseUrl: section.shopUrl, paths, threads, connections, ...(paced === undefined ? {} : { ratePerSec: paced.readRate }) };
  try {
    await sleep(Math.max(0, startAtEpochMs - epochMs()));
    if (warmupMs > 0) await runWrk({ ...wrkOptions, durationMs: warmupMs });
    const endCpuWindow = await section.cpu.start();
    const reads = await runWrk({ ...wrkOptions, durationMs });
    const cpu = await endCpuWindow();
    const writer = writerFigures(await writing, durationMs);
    const lag = await section.lag.windowLag(mark, startAtEpochMs + warmupMs);
    return { store: section.store, writeRate, query, reads, writer, lag, cpu };
  } finally {
    // a failed wrk must not leave the writer's call unobserved
    await writing.catch(() => undefined);
  }
}

/** The same wrk on a bare Fastify route, no writes: what wrk reaches where the server does almost nothing. */
async function bareWindow(section: Pick<Section, 'context' | 'wrk'>, baseUrl: string, paths: readonly string[]): Promise<WrkResult> {
  const { threads, connections, durationMs, warmupMs } = section.context.profile.readsUnderWrites;
  const wrkOptions = { wrk: section.wrk, baseUrl, paths, threads, connections };
  if (warmupMs > 0) await runWrk({ ...wrkOptions, durationMs: warmupMs });
  return runWrk({ ...wrkOptions, durationMs });
}

function judge(row: Omit<ReadsRow, 'timesReadsAlone' | 'timesBare' | 'verdict' | 'why'>, alone: WrkResult | undefined, bare: WrkResult, first: boolean): ReadsRow {
  const timesReadsAlone = first ? 1 : ratio(row.reads.requestsPerSec, alone?.requestsPerSec);
  const timesBare = ratio(row.reads.requestsPerSec, bare.requestsPerSec);
  const { reads, writer } = row;
  const why =
    bare.requestsPerSec < reads.requestsPerSec * bareHeadroom
      ? `wrk reached ${formatNumber(bare.requestsPerSec)}/s on the bare route, under ${bareHeadroom}× the shop's ${formatNumber(reads.requestsPerSec)}/s`
      : !writer.keptSchedule
        ? `the writer issued ${formatNumber(writer.generator.issuedPerSec)} of ${formatNumber(writer.generator.targetPerSec)} writes/s, schedule lag p99 ${formatNumber(writer.generator.scheduleLagMs.p99Ms)} ms`
        : undefined;
  const errorRate = (reads.errors + writer.errors) / Math.max(1, reads.requests + writer.write.count);
  const verdict: ReadsVerdict =
    why !== undefined ? 'generator-bound' : errorRate > 0.01 ? 'errors' : first ? 'valid' : timesReadsAlone !== undefined && timesReadsAlone >= heldShare ? 'held' : 'not held';
  return { ...row, timesReadsAlone, timesBare, verdict, why };
}

/** The peak's goals, whichever generator sent the reads: both rates ≥ 95 % answered, write p99 and lag p99 under their limits, every event applied. */
function peakHeld(
  rates: { readonly writeRate: number; readonly readRate: number },
  answered: { readonly writesPerSec: number; readonly readsPerSec: number; readonly writeP99Ms: number },
  lag: WindowLag | undefined,
): boolean {
  const ratesHeld = answered.writesPerSec >= rates.writeRate * 0.95 && answered.readsPerSec >= rates.readRate * 0.95;
  return ratesHeld && answered.writeP99Ms < peakLimits.writeP99Ms && lag !== undefined && lag.lag.p99Ms < peakLimits.lagP99Ms && lag.eventsNeverApplied === 0;
}

/** Bol.com's peak, open loop: the writer and the readers in processes of their own on one schedule (as seedShape runs it). */
async function peakWindow(section: Section): Promise<PeakRun> {
  const { peak, products } = section.context.profile.readsUnderWrites;
  await section.lag.settle(10_000);
  const mark = await section.lag.mark();
  const generators: ShapeGenerators = { orders: section.writer, reads: await section.readers() };
  const target = { baseUrl: section.shopUrl, commandPath: '/api/orders', queryPath: '/api/orders/', known: [...section.orderIds] };
  const timing = { warmupMs: peak.warmupMs, rampMs: peak.warmupMs / 2, durationMs: peak.durationMs };
  const { load, windowStartEpochMs } = await runShape(generators, target, { writeRate: peak.writeRate, queryRate: peak.readRate }, timing, products);
  const lag = await section.lag.windowLag(mark, windowStartEpochMs);
  const fewErrors = load.errors <= 0.01 * (peak.writeRate + peak.readRate) * (peak.durationMs / 1000);
  const withinLimits = fewErrors && peakHeld(peak, { writesPerSec: load.commandsPerSec, readsPerSec: load.queriesPerSec, writeP99Ms: load.command.p99Ms }, lag);
  return { store: section.store, writeRate: peak.writeRate, readRate: peak.readRate, load, lag, verdict: !load.generatorKeptSchedule ? 'generator-bound' : withinLimits ? 'held' : 'not held' };
}

/** wrk's connections at the paced peak: enough that 8,300 reads/s keep their schedule through latencies of several ms. */
const pacedPeakConnections = 64;

/** Bol.com's peak with the reads sent by wrk paced to the rate (wrk's threads as in the other rows) and the writer as in them. */
async function pacedPeakWindow(section: Section): Promise<PacedPeakRun> {
  const { peak } = section.context.profile.readsUnderWrites;
  const connections = pacedPeakConnections;
  const { reads, writer, lag, cpu } = await readWindow(section, peak.writeRate, 'order-by-id', { readRate: peak.readRate, connections });
  const errorRate = (reads.errors + writer.errors) / Math.max(1, reads.requests + writer.write.count);
  const withinLimits = peakHeld(peak, { writesPerSec: writer.writesPerSec, readsPerSec: reads.requestsPerSec, writeP99Ms: writer.write.p99Ms }, lag);
  const verdict = !writer.keptSchedule ? 'generator-bound' : errorRate > 0.01 ? 'errors' : withinLimits ? 'held' : 'not held';
  return { store: section.store, writeRate: peak.writeRate, readRate: peak.readRate, connections, reads, writer, lag, cpu, verdict };
}

/** Places the seed orders through the shop's API and waits until its read model answers the last of them. */
export async function seedShop(shopUrl: string, seedOrders: number, products: number): Promise<string[]> {
  const client = createHttpClient(shopUrl, 8);
  try {
    await addProducts(client, products);
    const ids = Array.from({ length: seedOrders }, (_, i) => `seed-${i}`);
    await inParallel(seedOrders, 8, (i) => client.expect(202, 'POST', '/api/orders', orderBody(ids[i]!, products, i)));
    const deadline = epochMs() + 60_000;
    for (const id of [ids.at(-1)!, ids[0]!]) {
      while ((await client.request('GET', `/api/orders/${id}`)).status !== 200) {
        if (epochMs() > deadline) throw new Error(`GET /api/orders/${id} did not answer 200 within 60 s of placing the seed orders`);
        await sleep(50);
      }
    }
    return ids;
  } finally {
    await client.close();
  }
}

interface SharedTools {
  readonly context: SuiteContext;
  readonly wrk: string;
  readonly writer: Worker;
  readonly readers: () => Promise<Worker[]>;
  /** The bare Fastify app, started by the first section with the shop's answer as its constant. */
  baseline: { readonly worker: Worker; readonly url: string } | undefined;
  done: number;
  readonly total: number;
}

async function measureStore(tools: SharedTools, store: ReadsStore): Promise<StoreSection> {
  const { context } = tools;
  const { seedOrders, products, writeRates, searchWriteRates } = context.profile.readsUnderWrites;
  const step = (what: string): void => context.progress.step('readsUnderWrites', tools.done++, tools.total, `${store}: ${what}`);
  const database = store === 'PostgreSQL' ? await context.database('reads-under-writes') : undefined;
  // every role in one process: commands, queries and the projection daemon share the shop's event loop
  context.progress.note(`readsUnderWrites: starting the shop on ${store}`);
  const shop = await context.worker(`reads-shop-${store.toLowerCase()}`);
  const shopUrl = (await shop.call<{ url: string }>('server.shop', { store: database?.url ?? 'pglite' })).url;
  context.progress.note(`readsUnderWrites: ${store}: adding ${products} products and ${seedOrders} orders through the API`);
  const orderIds = await seedShop(shopUrl, seedOrders, products);
  const lag = createShopLag(shop);
  await lag.settle(15_000);

  const probe = createHttpClient(shopUrl, 1);
  const sample = await probe.expect(200, 'GET', `/api/orders/${orderIds[0]}`).finally(() => probe.close());
  if (tools.baseline === undefined) {
    const worker = await context.worker('reads-baseline');
    const url = (await worker.call<{ url: string }>('server.baseline', { ...(database === undefined ? {} : { url: database.url }), constant: JSON.parse(sample.body) as unknown })).url;
    tools.baseline = { worker, url };
  }
  const baselineUrl = tools.baseline.url;
  step('wrk on the bare Fastify route (constant order JSON)');
  const constant = await bareWindow(tools, baselineUrl, ['/constant']);
  let pkSelect: WrkResult | undefined;
  if (database !== undefined) {
    const seeder = createHttpClient(baselineUrl, 8);
    await inParallel(seedOrders, 8, (i) => seeder.expect(202, 'POST', '/orders', orderBody(orderIds[i]!, products, i))).finally(() => seeder.close());
    step('wrk on the bare Fastify route (primary-key SELECT)');
    pkSelect = await bareWindow(tools, baselineUrl, orderIds.map((id) => `/orders/${id}`));
  }

  const section: Section = {
    context,
    store,
    wrk: tools.wrk,
    shop,
    shopUrl,
    lag,
    cpu: createCpuMeter(shop.pid, database?.url),
    writer: tools.writer,
    readers: tools.readers,
    orderIds,
    // the customers' email names (c<k>@example.com): words of the orderSearch vector, each in one or a few seeded orders
    searchTerms: Array.from({ length: Math.min(seedOrders, 1_000) }, (_, k) => `c${k}`),
    step,
  };
  const rows: ReadsRow[] = [];
  for (const query of ['order-by-id', 'search'] as const) {
    for (const [index, writeRate] of writeRates.entries()) {
      if (query === 'search' && !searchWriteRates.includes(writeRate)) continue;
      step(`${query}, ${loadText(writeRate, index === 0)}`);
      const measured = await readWindow(section, writeRate, query);
      const alone = rows.find((row) => row.query === query && row.writeRate === writeRates[0]);
      rows.push(judge(measured, alone?.reads, constant, index === 0));
    }
  }
  const { peak } = context.profile.readsUnderWrites;
  step(peakText(peak));
  const peakRun = await peakWindow(section);
  step(peakText(peak, pacedHow(context.profile.readsUnderWrites.threads, pacedPeakConnections)));
  const pacedPeak = await pacedPeakWindow(section);
  const progressReported = lag.available();
  // the next store gets the cores to itself
  await section.cpu.close();
  await shop.close();
  return { store, bare: { constant, pkSelect }, rows, peak: peakRun, pacedPeak, progressReported, orderJsonBytes: Buffer.byteLength(sample.body) };
}

export async function readsUnderWritesBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile } = context;
  const { writeRates, searchWriteRates, threads, connections, durationMs, warmupMs, peak, seedOrders } = profile.readsUnderWrites;
  const wrk = requireWrk();
  const stores: readonly ReadsStore[] = ['PostgreSQL', 'PGlite'];
  let readers: Promise<Worker[]> | undefined;
  const tools: SharedTools = {
    context,
    wrk,
    // the load: wrk is a process of its own; the writer and the peak's readers are worker processes
    writer: await context.worker('reads-writer'),
    readers: () => (readers ??= Promise.all(Array.from({ length: readersFor(peak.readRate) }, (_, i) => context.worker(`reads-peak-reader-${i + 1}`)))),
    baseline: undefined,
    done: 0,
    total: stores.length * (writeRates.length + searchWriteRates.length + 3) + 1,
  };
  const sections: StoreSection[] = [];
  for (const store of stores) sections.push(await measureStore(tools, store));
  context.progress.step('readsUnderWrites', tools.total, tools.total, 'done');

  const lagCell = (lag: WindowLag | undefined): Cell => lag?.lag.p99Ms;
  const heardCell = (lag: WindowLag | undefined): Cell => lag?.heard.p99Ms;
  const othersCell = (lag: WindowLag | undefined): Cell => {
    const slowest = slowestOther(lag);
    return slowest === undefined ? undefined : `${formatNumber(slowest.lag.p99Ms)} (${slowest.name})`;
  };
  const cpuCell = (cpu: WindowCpu | undefined): Cell => (cpu === undefined ? undefined : `${cpu.machineBusy.toFixed(2)} of ${cpu.cores}`);
  /** A peak's row: no ratios (its reads are paced, not saturating). */
  const peakRow = (store: ReadsStore, load: string, readsPerSec: number, readP99Ms: number, writeP99Ms: number, lag: WindowLag | undefined, cpu: WindowCpu | undefined, verdict: string): Cell[] => [
    store,
    load,
    'order-by-id',
    readsPerSec,
    undefined,
    undefined,
    readP99Ms,
    writeP99Ms,
    lagCell(lag),
    heardCell(lag),
    othersCell(lag),
    cpuCell(cpu),
    verdict,
  ];
  const rows: Cell[][] = sections.flatMap((section) => [
    [section.store, 'bare Fastify, no writes', 'constant order JSON', section.bare.constant.requestsPerSec, undefined, times(1), section.bare.constant.latencyMs.p99Ms, undefined, undefined, undefined, undefined, undefined, 'reference'],
    ...(section.bare.pkSelect === undefined
      ? []
      : [
          [
            section.store,
            'bare Fastify, no writes',
            'primary-key SELECT',
            section.bare.pkSelect.requestsPerSec,
            undefined,
            times(ratio(section.bare.pkSelect.requestsPerSec, section.bare.constant.requestsPerSec)),
            section.bare.pkSelect.latencyMs.p99Ms,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            'reference',
          ],
        ]),
    ...section.rows.map((row): Cell[] => [
      row.store,
      loadText(row.writeRate, row.writeRate === writeRates[0]),
      row.query,
      row.reads.requestsPerSec,
      times(row.timesReadsAlone),
      times(row.timesBare),
      row.reads.latencyMs.p99Ms,
      row.writer.write.p99Ms,
      lagCell(row.lag),
      heardCell(row.lag),
      othersCell(row.lag),
      cpuCell(row.cpu),
      row.verdict,
    ]),
    peakRow(section.store, peakText(peak), section.peak.load.queriesPerSec, section.peak.load.query.p99Ms, section.peak.load.command.p99Ms, section.peak.lag, undefined, section.peak.verdict),
    peakRow(
      section.store,
      peakText(peak, pacedHow(threads, section.pacedPeak.connections)),
      section.pacedPeak.reads.requestsPerSec,
      section.pacedPeak.reads.latencyMs.p99Ms,
      section.pacedPeak.writer.write.p99Ms,
      section.pacedPeak.lag,
      section.pacedPeak.cpu,
      section.pacedPeak.verdict,
    ),
  ]);

  const postgres = sections.find((s) => s.store === 'PostgreSQL')!;
  const byId = (section: StoreSection, writeRate: number | undefined): ReadsRow | undefined => section.rows.find((row) => row.query === 'order-by-id' && row.writeRate === writeRate);
  const valid = (row: ReadsRow | undefined): row is ReadsRow => row !== undefined && row.verdict !== 'generator-bound';
  const alone = byId(postgres, writeRates[0]);
  const heaviest = byId(postgres, writeRates.at(-1));
  // the peak's goals are judged on the paced wrk: the Node readers cost more per read than the shop does to answer it
  const paced = postgres.pacedPeak;
  const peakCounts = paced.verdict !== 'generator-bound';
  const pacedText = peakText(peak, pacedHow(threads, paced.connections));
  const goals: Goal[] = [
    goal(
      'readsUnderWrites',
      `PostgreSQL, reads by id (wrk) under ${writeRates.at(-1)} writes/s ÷ reads alone`,
      heldShare,
      valid(alone) && valid(heaviest) ? heaviest.timesReadsAlone : undefined,
    ),
    goal('readsUnderWrites', 'PostgreSQL, reads by id alone ÷ the bare Fastify route (constant order JSON), same wrk', 0.4, valid(alone) ? alone.timesBare : undefined),
    goal(
      'readsUnderWrites',
      `PostgreSQL, ${pacedText}: rates answered ÷ asked (the lower)`,
      0.95,
      peakCounts ? Math.min(paced.writer.writesPerSec / peak.writeRate, paced.reads.requestsPerSec / peak.readRate) : undefined,
    ),
    goal('readsUnderWrites', `PostgreSQL, ${pacedText}: write p99 (ms)`, peakLimits.writeP99Ms, peakCounts ? paced.writer.write.p99Ms : undefined, '<'),
    goal('readsUnderWrites', `PostgreSQL, ${pacedText}: projection lag p99 (ms)`, peakLimits.lagP99Ms, peakCounts ? paced.lag?.lag.p99Ms : undefined, '<'),
    goal('readsUnderWrites', `PostgreSQL, projection lag p99 (ms) while wrk saturates reads by id (${writeRates[0]} write/s)`, saturatedLagP99Ms, valid(alone) ? alone.lag?.lag.p99Ms : undefined, '<'),
  ];

  const notes = [
    `Each store: the shop with every role in one process (\`server.shop\`, no roles; PostgreSQL: a fresh database; PGlite: a fresh directory), ${seedOrders} orders placed through POST /api/orders first (read back before any window).`,
    `Reads: wrk (Debian's wrk package) -t${threads} -c${connections}, closed loop, ${durationMs / 1000} s per window after ${warmupMs / 1000} s of the same load; each request GETs a random seeded order (/api/orders/:id) or searches a random customer (/api/orders?q=c<k>). wrk is a process of its own.`,
    `Writes: an open-loop writer in a worker process places orders at the row's rate through the same window (warm-up included); write p99 from each order's due time. Lag p99: each event committed in the window, from its transaction's start (recorded_at) to the daemon's commit of the orderSummaries batch past it (the projector thread's clock, in the shop's process): from then on every read shows it. Heard p99: to the moment the shop's HTTP thread heard of that batch, what a read with a consistency token waits for (until 2026-12-07 the lag column was this one). Others' lag p99: the same lag for each of the shop's other read models (search, a customer's orders, the catalog, balances, analytics), the highest of them and whose it is; since 2026-12-08 they gather over a wider window than orderSummaries on PostgreSQL (the lag goals are judged on orderSummaries, the read model the reads by id read).`,
    `× reads alone: reads/s ÷ the same query with ${writeRates[0]} write/s; × bare Fastify: ÷ the same wrk on a bare Fastify route answering the shop's own order JSON (${postgres.orderJsonBytes} bytes) as a constant (primary-key SELECT: one pg query per request, PostgreSQL only).`,
    `Verdict: generator-bound where the bare route answered under ${bareHeadroom}× the shop's reads/s (wrk may be the bound) or the writer issued under 97 % of its rate or slipped more than ${writerScheduleLagP99Ms} ms (p99; its latencies count the slip); errors over 1 % of requests; held where reads under writes kept ≥ ${heldShare}× reads alone. Peak, Node readers: open-loop writer and ${readersFor(peak.readRate)} reader process(es) (as seedShape); held: rates ≥ 95 %, < 1 % errors, write p99 < ${peakLimits.writeP99Ms} ms, lag p99 < ${peakLimits.lagP99Ms} ms.`,
    `Peak, wrk paced: the same writer, and wrk sending ${formatNumber(peak.readRate)} reads/s in all on a schedule per thread (each connection, once answered, waits for the thread's next send time; behind schedule, it sends at once), ${warmupMs / 1000} s warm-up then ${durationMs / 1000} s; its read p99 is from each request's sending, not its due time. Held as above. The peak's goals are judged on this row: a Node reader process spends more CPU per read than the shop spends answering it, so that row measures the readers as much as the shop.`,
    ...sections.flatMap((section) => section.rows.filter((row) => row.why !== undefined).map((row) => `${section.store}, ${row.query}, ${row.writeRate} w/s: generator-bound: ${row.why}`)),
    ...sections.flatMap((section) =>
      section.rows
        .filter((row) => row.reads.errors > 0 || row.writer.errors > 0)
        .map((row) => `${section.store}, ${row.query}, ${row.writeRate} w/s: ${row.reads.errors} read errors ${JSON.stringify(row.reads.errorsByKind)}, ${row.writer.errors} write errors${row.writer.firstError === undefined ? '' : ` (${row.writer.firstError})`}`),
    ),
    ...sections.flatMap((section) => {
      const { load } = section.peak;
      return [
        `${section.store}, peak: answered ${formatNumber(load.commandsPerSec)} writes/s and ${formatNumber(load.queriesPerSec)} reads/s (${load.errors} errors${load.firstError === undefined ? '' : `: ${load.firstError}`}; ${load.notYetVisible} reads of fresh orders answered 404); generators: writes sent ${formatNumber(load.generator.commands.issuedPerSec)}/s, reads sent ${formatNumber(load.generator.queries.issuedPerSec)}/s, schedule lag p99 ${formatNumber(load.generator.queries.scheduleLagMs.p99Ms)} ms.`,
      ];
    }),
    ...sections.map((section) => {
      const others = section.pacedPeak.lag?.others ?? [];
      return `${section.store}, peak, wrk paced: lag p50 / p99 by read model: orderSummaries ${formatNumber(section.pacedPeak.lag?.lag.p50Ms)} / ${formatNumber(section.pacedPeak.lag?.lag.p99Ms)} ms${others.map((other) => `, ${other.name} ${formatNumber(other.lag.p50Ms)} / ${formatNumber(other.lag.p99Ms)}`).join('')}.`;
    }),
    ...sections.map((section) => {
      const { reads, writer } = section.pacedPeak;
      return `${section.store}, peak, wrk paced: answered ${formatNumber(writer.writesPerSec)} writes/s and ${formatNumber(reads.requestsPerSec)} reads/s (${reads.errors} read errors ${JSON.stringify(reads.errorsByKind)}, ${writer.errors} write errors${writer.firstError === undefined ? '' : `: ${writer.firstError}`}); writer sent ${formatNumber(writer.generator.issuedPerSec)}/s, schedule lag p99 ${formatNumber(writer.generator.scheduleLagMs.p99Ms)} ms.`;
    }),
    `Cores busy: the machine's CPU time over the window (/proc/stat: user, nice, system, interrupts and steal; not idle or I/O wait), in cores. Below, per window, where it went: the shop's process (every thread), its database's PostgreSQL backends by pool (their application_name), and the rest (wrk, the writer, the bench runner, the system).`,
    ...sections.flatMap((section) => [
      ...section.rows.filter((row) => row.cpu !== undefined).map((row) => `${section.store}, ${row.query}, ${loadText(row.writeRate, row.writeRate === writeRates[0])}: ${describeWindowCpu(row.cpu!)}.`),
      ...(section.pacedPeak.cpu === undefined ? [] : [`${section.store}, peak, wrk paced: ${describeWindowCpu(section.pacedPeak.cpu)}.`]),
    ]),
    ...sections.filter((section) => !section.progressReported).map((section) => `${section.store}: server.progress gave no entries (the projection daemon is not in the shop's process): no lag.`),
    ...sections.flatMap((section) =>
      [...section.rows.map((row) => row.lag), section.peak.lag, section.pacedPeak.lag].some((lag) => lag !== undefined && lag.eventsNeverApplied > 0) ? [`${section.store}: some events were not applied within 10 s of a window's end.`] : [],
    ),
  ];

  const seriesOf = (writeRate: number, first: boolean): string => (first ? 'reads alone' : `+${writeRate} w/s`);
  return {
    name: 'readsUnderWrites',
    tables: [
      {
        title: `reads under writes: wrk -t${threads} -c${connections} reads on the shop (every role in one process) while orders flow, beside the bare Fastify route; reads/s and latency ms`,
        columns: ['store', 'load', 'query', 'reads/s', '× reads alone', '× bare Fastify', 'read p99', 'write p99', 'lag p99', 'heard p99', 'others’ lag p99', 'cores busy', 'verdict'],
        rows,
        notes,
      },
    ],
    chart: {
      title: 'reads under writes: reads/s (wrk, closed loop)',
      unit: 'reads per second, higher is better; caption: heaviest writes ÷ reads alone',
      groups: sections.flatMap((section) =>
        (['order-by-id', 'search'] as const).map((query) => {
          const queryRows = section.rows.filter((row) => row.query === query);
          return {
            label: `${section.store} ${query}`,
            bars: [
              ...queryRows.map((row) => ({ series: seriesOf(row.writeRate, row.writeRate === writeRates[0]), value: row.reads.requestsPerSec })),
              ...(query === 'order-by-id' ? [{ series: 'bare Fastify', value: section.bare.constant.requestsPerSec }] : []),
            ],
            caption: `${times(queryRows.at(-1)?.timesReadsAlone) ?? '–'}`,
          };
        }),
      ),
    },
    goals,
    data: { wrk: { threads, connections }, durationMs, warmupMs, seedOrders, writeRates, searchWriteRates, peak, sections },
  };
}
