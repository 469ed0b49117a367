// What every benchmark gets (sizes, the server, progress, cleanups) and what it gives back (a table, a chart, goals, raw figures).
import { createTestDatabase, type TestDatabase } from '@twofold/testing/database';
import type { BenchProfile } from './profiles.js';
import type { Progress } from './progress.js';
import type { BarChart } from './svg-chart.js';
import type { Table } from './table.js';
import { startWorker, type Worker } from './worker-process.js';

export type BenchmarkName = 'append' | 'commandPath' | 'projection' | 'seedShape' | 'query' | 'writeSide' | 'readsUnderWrites' | 'orderCost';
export const benchmarkNames: readonly BenchmarkName[] = ['append', 'commandPath', 'projection', 'seedShape', 'query', 'writeSide', 'readsUnderWrites', 'orderCost'];

/** How the actual figure must compare with the target: rates and ratios at least, latencies at most or below. */
export type GoalComparison = '≥' | '≤' | '<';

/** A goal of the issue, checked against ratios or rates measured in the same run. */
export interface Goal {
  readonly benchmark: BenchmarkName;
  readonly what: string;
  readonly comparison: GoalComparison;
  readonly target: number;
  readonly actual: number | undefined;
  /** Undefined when it could not be measured. */
  readonly met: boolean | undefined;
}

const meets: Record<GoalComparison, (actual: number, target: number) => boolean> = {
  '≥': (actual, target) => actual >= target,
  '≤': (actual, target) => actual <= target,
  '<': (actual, target) => actual < target,
};

export const goal = (benchmark: BenchmarkName, what: string, target: number, actual: number | undefined, comparison: GoalComparison = '≥'): Goal => ({
  benchmark,
  what,
  comparison,
  target,
  actual,
  met: actual === undefined || !Number.isFinite(actual) ? undefined : meets[comparison](actual, target),
});

export interface BenchmarkReport {
  readonly name: BenchmarkName;
  readonly tables: readonly Table[];
  readonly chart: BarChart;
  readonly goals: readonly Goal[];
  /** Every figure measured, for the JSON file. */
  readonly data: unknown;
}

export interface SuiteContext {
  readonly profile: BenchProfile;
  readonly serverUrl: string;
  /** The Redis the projection and query benchmarks keep orders by id in, under key prefixes of their own. */
  readonly redisUrl: string;
  readonly progress: Progress;
  /** A fresh database, dropped when the benchmark ends. */
  database(label: string, template?: string): Promise<TestDatabase>;
  /** A worker process, closed when the benchmark ends. */
  worker(label: string): Promise<Worker>;
  /** Runs when the benchmark ends, last registered first. */
  defer(cleanup: () => Promise<void>): void;
}

// cleanups of benchmarks still running, for an interrupted run
const running = new Set<() => Promise<void>>();

/** Ends the workers and drops the databases of every benchmark still running (on SIGINT / SIGTERM). */
export async function cleanUpRunningBenchmarks(): Promise<void> {
  await Promise.all([...running].map((cleanUp) => cleanUp()));
}

/** Runs one benchmark with its own databases and workers, which are gone when it returns or throws. */
export async function withSuiteContext<T>(base: Pick<SuiteContext, 'profile' | 'serverUrl' | 'redisUrl' | 'progress'>, fn: (context: SuiteContext) => Promise<T>): Promise<T> {
  const cleanups: (() => Promise<void>)[] = [];
  const defer = (cleanup: () => Promise<void>): void => {
    cleanups.push(cleanup);
  };
  const context: SuiteContext = {
    ...base,
    defer,
    async database(label, template) {
      const database = await createTestDatabase(base.serverUrl, { label: `bench_${label}`, serverVariable: 'TWOFOLD_BENCH_DATABASE_URL', ...(template === undefined ? {} : { template }) });
      defer(() => database.drop());
      return database;
    },
    async worker(label) {
      const worker = await startWorker(label);
      defer(() => worker.close());
      return worker;
    },
  };
  const cleanUp = async (): Promise<void> => {
    running.delete(cleanUp);
    const pending = cleanups.splice(0).reverse();
    for (const cleanup of pending) await cleanup().catch(() => undefined);
  };
  running.add(cleanUp);
  try {
    return await fn(context);
  } finally {
    await cleanUp();
  }
}
