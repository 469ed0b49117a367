// Runs the benchmarks in order, prints a table per benchmark, writes results/<date>.json, a Markdown copy and an SVG chart per benchmark.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { defaultTestServerUrl } from '@twofold/testing/database';
import { profiles, type ProfileName } from './profiles.js';
import { createProgress, silentProgress, type Progress } from './progress.js';
import { appendBenchmark } from './suite-append.js';
import { commandPathBenchmark } from './suite-command-path.js';
import { projectionBenchmark } from './suite-projection.js';
import { queryBenchmark } from './suite-query.js';
import { orderCostBenchmark } from './suite-order-cost.js';
import { readsUnderWritesBenchmark } from './suite-reads-under-writes.js';
import { seedShapeBenchmark } from './suite-seed-shape.js';
import { writeSideBenchmark } from './suite-write-side.js';
import { benchmarkNames, withSuiteContext, type BenchmarkName, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { renderBarChart } from './svg-chart.js';
import { formatNumber, renderTable, type Table } from './table.js';

export interface RunBenchOptions {
  readonly profile: ProfileName;
  /** Default: all, in order. */
  readonly only?: readonly BenchmarkName[];
  /** Where results go; default `bench/results`. */
  readonly outDir: string;
  /** The PostgreSQL server; a database is created on it per benchmark. Default TWOFOLD_BENCH_DATABASE_URL or the local test server. */
  readonly serverUrl?: string;
  /** Where tables are printed; default stdout. Undefined output: none. */
  readonly print?: ((text: string) => void) | false;
  readonly progress?: Progress | false;
}

export interface BenchResult {
  readonly file: string;
  readonly json: BenchResultFile;
}

export interface BenchResultFile {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly profile: ProfileName;
  readonly machine: Record<string, unknown>;
  readonly goals: readonly Goal[];
  readonly errors: Record<string, string>;
  readonly [benchmark: string]: unknown;
}

const benchmarks: Record<BenchmarkName, (context: SuiteContext) => Promise<BenchmarkReport>> = {
  append: appendBenchmark,
  commandPath: commandPathBenchmark,
  projection: projectionBenchmark,
  seedShape: seedShapeBenchmark,
  query: queryBenchmark,
  writeSide: writeSideBenchmark,
  readsUnderWrites: readsUnderWritesBenchmark,
  orderCost: orderCostBenchmark,
};

async function machine(serverUrl: string): Promise<Record<string, unknown>> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    const cpus = os.cpus();
    return {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: rows[0]?.server_version,
      // other work on the machine moves every figure: compare ratios from one run only
      loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
    };
  } finally {
    await client.end();
  }
}

const stampOf = (date: Date): string => date.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');

export async function runBench(options: RunBenchOptions): Promise<BenchResult> {
  const profile = profiles[options.profile];
  const serverUrl = options.serverUrl ?? process.env['TWOFOLD_BENCH_DATABASE_URL'] ?? defaultTestServerUrl;
  const redisUrl = process.env['TWOFOLD_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const print = options.print === false ? () => undefined : (options.print ?? ((text: string) => process.stdout.write(`${text}\n`)));
  const progress = options.progress === false ? silentProgress : (options.progress ?? createProgress());
  const selected = benchmarkNames.filter((name) => options.only === undefined || options.only.includes(name));
  const started = new Date();
  const stamp = stampOf(started);
  await mkdir(options.outDir, { recursive: true });
  const machineInfo = await machine(serverUrl);

  const reports: BenchmarkReport[] = [];
  const errors: Record<string, string> = {};
  const tables: Table[] = [];
  for (const name of selected) {
    try {
      const report = await withSuiteContext({ profile, serverUrl, redisUrl, progress }, (context) => benchmarks[name](context));
      progress.end();
      reports.push(report);
      tables.push(...report.tables);
      for (const table of report.tables) print(renderTable(table));
      await writeFile(join(options.outDir, `${stamp}-${name}.svg`), renderBarChart(report.chart));
    } catch (error) {
      progress.end();
      errors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      print(`## ${name}: FAILED\n\n${errors[name]}\n`);
    }
  }

  const goals = reports.flatMap((report) => report.goals);
  if (goals.length > 0) {
    const goalTable: Table = {
      title: 'goals (ratios and rates from this run)',
      columns: ['benchmark', 'goal', 'target', 'actual', 'met'],
      rows: goals.map((g) => [g.benchmark, g.what, `${g.comparison} ${formatNumber(g.target, 2)}`, g.actual !== undefined && g.target < 100 ? g.actual.toFixed(2) : g.actual, g.met === undefined ? 'n/a' : g.met ? 'yes' : 'NO']),
    };
    tables.push(goalTable);
    print(renderTable(goalTable));
  }
  const json: BenchResultFile = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    profile: profile.name,
    machine: machineInfo,
    sizes: profile,
    ...Object.fromEntries(reports.map((report) => [report.name, report.data])),
    // the results file's `append` entry is the list of rows; its rounds sit beside it
    ...(reports.some((r) => r.name === 'append')
      ? (() => {
          const data = reports.find((r) => r.name === 'append')!.data as { rows: unknown; rounds: unknown; poolSize: number };
          return { append: data.rows, appendRounds: data.rounds, appendPoolSize: data.poolSize };
        })()
      : {}),
    goals,
    errors,
  };
  const file = join(options.outDir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(join(options.outDir, `${stamp}.md`), `# Twofold benchmarks, ${profile.name}, ${started.toISOString()}\n\nMachine: ${JSON.stringify(machineInfo)}\n\n${tables.map(renderTable).join('\n')}`);
  return { file, json };
}
