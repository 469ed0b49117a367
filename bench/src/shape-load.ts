// The seed's shape's load: an order writer and order readers, each in a worker process of its own on one shared schedule, and whether they kept it.
import { randomBytes } from 'node:crypto';
import { epochMs } from './clock.js';
import type { GeneratorFigures } from './load.js';
import { ratePerSecond, summarizeLatencies, type LatencySummary } from './stats.js';
import type { Worker } from './worker-process.js';
import type { ShapeStreamParams, ShapeStreamResult } from './worker-load.js';

/** A step's figures count only where the generator kept its schedule: it issued this share of the target rate, with schedule lag p99 under this. */
export const generatorLimits = { issuedShare: 0.97, scheduleLagP99Ms: 20 } as const;

/** Reads per second one generator process is given; above it the reads are split over more processes. */
export const readsPerGenerator = 5_000;

/** The latency a stream's connections are sized for: a step that holds has p99 under 100 ms, so its mean is well under this. */
const connectionLatencyMs = 50;

/** Connections for a stream: its rate × 50 ms (Little's law), 4 to 256; they open as the warm-up ramps the rate up. */
export const connectionsFor = (ratePerSec: number): number => Math.min(256, Math.max(4, Math.ceil((ratePerSec * connectionLatencyMs) / 1000)));

/** Reads are not of orders due less than this before: an order in flight is not yet placed. */
const visibleAfterMs = 200;

/** One stream's generator figures, over its processes (the reads may run in several): rates summed, the worst lag, CPU and utilization of the busiest process. */
export interface StreamGenerator extends GeneratorFigures {
  readonly processes: number;
  /** Connections per process. */
  readonly connections: number;
}

export interface ShapeLoad {
  /** Reads answered 404: the order was placed but its read model had not caught up yet (a stale read, not an error). */
  readonly notYetVisible: number;
  readonly commandsPerSec: number;
  readonly queriesPerSec: number;
  readonly command: LatencySummary;
  readonly query: LatencySummary;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly generator: { readonly commands: StreamGenerator; readonly queries: StreamGenerator };
  /** Both streams issued ≥ 97 % of their rate with schedule lag p99 < 20 ms: the figures are the server's. */
  readonly generatorKeptSchedule: boolean;
}

export interface ShapeTarget {
  readonly baseUrl: string;
  readonly commandPath: string;
  readonly queryPath: string;
  /** Orders placed so far on this server; the step's placed orders are added. */
  readonly known: string[];
}

export interface ShapeTiming {
  readonly warmupMs: number;
  readonly rampMs: number;
  readonly durationMs: number;
}

export interface ShapeGenerators {
  readonly orders: Worker;
  /** Reader processes; a step uses as many as its read rate needs (readsPerGenerator each). */
  readonly reads: readonly Worker[];
}

const kept = (figures: GeneratorFigures): boolean =>
  figures.issuedPerSec >= figures.targetPerSec * generatorLimits.issuedShare && figures.scheduleLagMs.p99Ms < generatorLimits.scheduleLagP99Ms;

function merged(figures: readonly GeneratorFigures[], connections: number): StreamGenerator {
  const worst = figures.reduce((a, b) => (b.scheduleLagMs.p99Ms > a.scheduleLagMs.p99Ms ? b : a));
  const round1 = (value: number): number => Math.round(value * 10) / 10;
  return {
    targetPerSec: round1(figures.reduce((sum, f) => sum + f.targetPerSec, 0)),
    issuedPerSec: round1(figures.reduce((sum, f) => sum + f.issuedPerSec, 0)),
    scheduleLagMs: worst.scheduleLagMs,
    cpuPercent: round1(Math.max(...figures.map((f) => f.cpuPercent))),
    eventLoopUtilization: Math.round(Math.max(...figures.map((f) => f.eventLoopUtilization)) * 100) / 100,
    peakInFlight: figures.reduce((sum, f) => sum + f.peakInFlight, 0),
    processes: figures.length,
    connections,
  };
}

/** Readers a read rate needs. */
export const readersFor = (queryRate: number): number => Math.max(1, Math.ceil(queryRate / readsPerGenerator));

/**
 * Places orders at `writeRate` and reads them at `queryRate` against one server, from the generator
 * processes, on one schedule: a ramped warm-up, then the measured window. Resolves when every request
 * of the window has been answered.
 */
export async function runShape(
  generators: ShapeGenerators,
  target: ShapeTarget,
  rates: { readonly writeRate: number; readonly queryRate: number },
  timing: ShapeTiming,
  products: number,
): Promise<{ load: ShapeLoad; windowStartEpochMs: number }> {
  const readers = Math.min(generators.reads.length, readersFor(rates.queryRate));
  const readRate = rates.queryRate / readers;
  // every stream starts at the same moment, after each call has reached its process
  const startAtEpochMs = epochMs() + 500;
  const common: Omit<ShapeStreamParams, 'stream' | 'ratePerSec' | 'connections' | 'known'> = {
    baseUrl: target.baseUrl,
    startAtEpochMs,
    ...timing,
    commandPath: target.commandPath,
    queryPath: target.queryPath,
    products,
    orderPrefix: `${randomBytes(3).toString('hex')}-${rates.writeRate}`,
    writeRatePerSec: rates.writeRate,
    visibleAfterMs,
  };
  const timeoutMs = timing.warmupMs + timing.durationMs + 120_000;
  const call = (worker: Worker, params: ShapeStreamParams): Promise<ShapeStreamResult> => worker.call<ShapeStreamResult>('load.shape', params, timeoutMs);
  const [orders, ...reads] = await Promise.all([
    call(generators.orders, { ...common, stream: 'orders', ratePerSec: rates.writeRate, connections: connectionsFor(rates.writeRate), known: [] }),
    ...generators.reads
      .slice(0, readers)
      .map((worker) => call(worker, { ...common, stream: 'reads', ratePerSec: readRate, connections: connectionsFor(readRate), known: target.known })),
  ]);
  target.known.push(...orders.placed);
  const queryLatencies = reads.flatMap((r) => r.latenciesMs);
  const generator = {
    commands: merged([orders.generator], connectionsFor(rates.writeRate)),
    queries: merged(
      reads.map((r) => r.generator),
      connectionsFor(readRate),
    ),
  };
  return {
    windowStartEpochMs: startAtEpochMs + timing.warmupMs,
    load: {
      notYetVisible: reads.reduce((sum, r) => sum + r.notYetVisible, 0),
      commandsPerSec: ratePerSecond(orders.latenciesMs.length, timing.durationMs),
      queriesPerSec: ratePerSecond(queryLatencies.length, timing.durationMs),
      command: summarizeLatencies(orders.latenciesMs),
      query: summarizeLatencies(queryLatencies),
      errors: orders.errors + reads.reduce((sum, r) => sum + r.errors, 0),
      firstError: orders.firstError ?? reads.find((r) => r.firstError !== undefined)?.firstError,
      generator,
      generatorKeptSchedule: kept(generator.commands) && reads.every((r) => kept(r.generator)),
    },
  };
}

/**
 * An open-loop order writer alone (nothing reads) in `worker`, from `startAtEpochMs`: ramped warm-up, then the
 * window. Resolves with its figures once every order of the window has been answered.
 */
export function writeOrders(
  worker: Worker,
  target: { readonly baseUrl: string; readonly products: number; readonly orderPrefix: string },
  writeRate: number,
  timing: ShapeTiming,
  startAtEpochMs: number,
): Promise<ShapeStreamResult> {
  const params: ShapeStreamParams = {
    stream: 'orders',
    baseUrl: target.baseUrl,
    ratePerSec: writeRate,
    connections: connectionsFor(writeRate),
    startAtEpochMs,
    ...timing,
    commandPath: '/api/orders',
    queryPath: '/api/orders/',
    products: target.products,
    orderPrefix: target.orderPrefix,
    writeRatePerSec: writeRate,
    known: [],
    visibleAfterMs,
  };
  return worker.call<ShapeStreamResult>('load.shape', params, timing.warmupMs + timing.durationMs + 120_000);
}
