// Benchmark 1, append: Twofold's PostgreSQL store, plain and under groupCommit, vs Emmett's vs a raw INSERT through pg vs pgbench's 1-row INSERT
// (and Twofold on PGlite), rounds interleaved.
import { findPgbench, runPgbenchInserts } from './pgbench.js';
import { median, ratePerSecond, ratio, rotate } from './stats.js';
import { goal, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { times, type Cell } from './table.js';
import type { AppendRunResult, AppendSystem } from './worker-append.js';
import type { Worker } from './worker-process.js';

/** The Node appenders, each in a worker, and pgbench's one-row INSERT per transaction, run by the suite itself. */
export type AppendBenchSystem = AppendSystem | 'pgbench';

/** One row of the results file's `append` entry. */
export interface AppendRow {
  readonly system: AppendBenchSystem;
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly appendsPerSec: number;
  readonly p99Ms: number;
}

export interface AppendRound extends AppendRunResult {
  readonly round: number;
  readonly system: AppendBenchSystem;
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly appendsPerSec: number;
}

const serverSystems: readonly AppendSystem[] = ['twofold', 'twofold-grouped', 'emmett', 'raw-insert'];

export async function appendBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { writers: writerCounts, eventsPerAppend: sizes, durationMs, warmupMs } = profile.append;
  const database = await context.database('append');
  const pgbench = findPgbench();
  /** PGlite has one connection: it is measured with one writer only. */
  const workerSystemsFor = (writers: number): readonly AppendSystem[] => (writers === 1 ? [...serverSystems, 'twofold-pglite'] : serverSystems);
  /** pgbench writes one row per transaction. */
  const systemsFor = (writers: number, eventsPerAppend: number): readonly AppendBenchSystem[] => [
    ...workerSystemsFor(writers),
    ...(eventsPerAppend === 1 && pgbench !== undefined ? (['pgbench'] as const) : []),
  ];
  const pgbenchWriters = pgbench !== undefined && sizes.includes(1) ? writerCounts : [];
  // every system gets as many connections as the most writers, so none waits for a connection the others have
  const poolSize = Math.max(...writerCounts);
  const workers = new Map<AppendSystem, Worker>();
  for (const system of [...serverSystems, 'twofold-pglite'] as const) {
    progress.note(`append: opening ${system}`);
    const worker = await context.worker(`append-${system}`);
    await worker.call('append.open', { system, url: database.url, poolSize });
    workers.set(system, worker);
  }

  const configs = writerCounts.flatMap((writers) => sizes.map((eventsPerAppend) => ({ writers, eventsPerAppend })));
  const total = profile.rounds * (configs.reduce((sum, c) => sum + workerSystemsFor(c.writers).length, 0) + pgbenchWriters.length);
  const rounds: AppendRound[] = [];
  let done = 0;
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, { writers, eventsPerAppend }] of configs.entries()) {
      // interleaved: each configuration runs every system back to back, in an order that rotates
      for (const system of rotate(workerSystemsFor(writers), round + index)) {
        progress.step('append', done++, total, `${system}, ${writers} writers, ${eventsPerAppend} events/append`);
        const result = await workers.get(system)!.call<AppendRunResult>('append.run', { writers, eventsPerAppend, durationMs, warmupMs });
        rounds.push({ round, system, writers, eventsPerAppend, ...result, appendsPerSec: ratePerSecond(result.appends, result.elapsedMs) });
      }
    }
  }
  for (const worker of workers.values()) await worker.close();
  // pgbench after the workers have gone: their pools (up to 3 × the most writers: twofold-grouped has one append in flight) and its
  // clients exceed a stock server's 100 connections
  for (let round = 0; round < profile.rounds; round++) {
    for (const writers of pgbenchWriters) {
      progress.step('append', done++, total, `pgbench, ${writers} clients, 1-row INSERT`);
      const result = await runPgbenchInserts({ pgbench: pgbench!, url: database.url, clients: writers, durationMs, warmupMs });
      rounds.push({ round, system: 'pgbench', writers, eventsPerAppend: 1, ...result, appendsPerSec: ratePerSecond(result.appends, result.elapsedMs) });
    }
  }
  progress.step('append', total, total, 'done');

  const rows: AppendRow[] = configs.flatMap(({ writers, eventsPerAppend }) =>
    systemsFor(writers, eventsPerAppend).map((system) => {
      const runs = rounds.filter((r) => r.system === system && r.writers === writers && r.eventsPerAppend === eventsPerAppend);
      return { system, writers, eventsPerAppend, appendsPerSec: median(runs.map((r) => r.appendsPerSec)), p99Ms: median(runs.map((r) => r.latency.p99Ms)) };
    }),
  );
  const find = (system: AppendBenchSystem, writers: number, eventsPerAppend: number): AppendRow | undefined =>
    rows.find((r) => r.system === system && r.writers === writers && r.eventsPerAppend === eventsPerAppend);
  const errors = rounds.filter((r) => r.errors > 0).map((r) => `${r.system} ${r.writers}×${r.eventsPerAppend}: ${r.errors} errors (${r.firstError})`);

  const tableRows: Cell[][] = configs.map(({ writers, eventsPerAppend }) => {
    const rate = (system: AppendBenchSystem): number | undefined => find(system, writers, eventsPerAppend)?.appendsPerSec;
    const p99 = (system: AppendBenchSystem): number | undefined => find(system, writers, eventsPerAppend)?.p99Ms;
    return [
      writers,
      eventsPerAppend,
      rate('twofold'),
      p99('twofold'),
      rate('twofold-grouped'),
      p99('twofold-grouped'),
      rate('emmett'),
      p99('emmett'),
      rate('raw-insert'),
      p99('raw-insert'),
      rate('pgbench'),
      p99('pgbench'),
      rate('twofold-pglite'),
      times(ratio(rate('twofold'), rate('emmett'))),
      times(ratio(rate('twofold'), rate('raw-insert'))),
      times(ratio(rate('twofold'), rate('pgbench'))),
      times(ratio(rate('twofold-grouped'), rate('raw-insert'))),
      times(ratio(rate('twofold-grouped'), rate('pgbench'))),
    ];
  });
  const goals: Goal[] = [];
  for (const writers of writerCounts.filter((w) => w === 8 || w === 32)) {
    const twofold = find('twofold', writers, 1)?.appendsPerSec;
    goals.push(goal('append', `twofold ÷ emmett, ${writers} writers, 1 event/append`, 2, ratio(twofold, find('emmett', writers, 1)?.appendsPerSec)));
    goals.push(goal('append', `twofold ÷ raw INSERT, ${writers} writers, 1 event/append`, 0.6, ratio(twofold, find('raw-insert', writers, 1)?.appendsPerSec)));
  }
  // one row per transaction at 32 clients: only appends combined into one statement can keep up, so this goal is group commit's
  if (writerCounts.includes(32)) {
    const grouped = find('twofold-grouped', 32, 1)?.appendsPerSec;
    goals.push(
      pgbench === undefined
        ? goal('append', 'twofold-grouped ÷ raw INSERT, 32 writers, 1 event/append (pgbench not found: in place of pgbench 1-row INSERT)', 1, ratio(grouped, find('raw-insert', 32, 1)?.appendsPerSec))
        : goal('append', 'twofold-grouped ÷ pgbench 1-row INSERT per transaction, 32 writers / clients', 1, ratio(grouped, find('pgbench', 32, 1)?.appendsPerSec)),
    );
  }
  return {
    name: 'append',
    tables: [
      {
        title: 'append: appends/s and p99 ms (median of rounds)',
        columns: [
          'writers',
          'events/append',
          'twofold/s',
          'p99',
          'grouped/s',
          'p99',
          'emmett/s',
          'p99',
          'raw-insert/s',
          'p99',
          'pgbench/s',
          'p99',
          'pglite/s',
          '÷emmett',
          '÷raw',
          '÷pgbench',
          'grouped ÷raw',
          'grouped ÷pgbench',
        ],
        rows: tableRows,
        notes: [
          `${profile.rounds} round(s) of ${durationMs / 1000} s per cell after ${warmupMs / 1000} s warm-up; systems interleaved per configuration, each in its own process; pools of ${poolSize} connections; every append opens a new stream; 300-byte events.`,
          'raw-insert: one INSERT … VALUES statement of the append\'s rows, bound parameters, unnamed, through pg; pglite: Twofold on PGlite on disk, 1 writer.',
          "grouped (twofold-grouped): the same store wrapped in core's groupCommit: appends that arrive while one is in flight go together as one append, each writer answered with its own versions and positions; same pool. ÷emmett, ÷raw, ÷pgbench: plain twofold's.",
          pgbench === undefined
            ? 'pgbench: not found (PATH, /usr/lib/postgresql/*/bin, TWOFOLD_BENCH_PGBENCH): its columns stay empty and its goal falls back to raw-insert.'
            : `pgbench (${pgbench}): one 1-row INSERT per transaction into raw-insert's table, prepared, 1 thread, as many connections as writers, 1 event/append only, run after the other systems (not interleaved: their pools hold the server's connections); the window cut from its per-transaction log.`,
          ...errors,
        ],
      },
    ],
    chart: {
      title: 'append: appends/s',
      unit: 'appends per second, higher is better; caption: twofold ÷ emmett, twofold ÷ raw INSERT',
      groups: configs.map(({ writers, eventsPerAppend }) => ({
        label: `${writers}w × ${eventsPerAppend}e`,
        bars: systemsFor(writers, eventsPerAppend).map((system) => ({ series: system, value: find(system, writers, eventsPerAppend)?.appendsPerSec })),
        caption: `${ratio(find('twofold', writers, eventsPerAppend)?.appendsPerSec, find('emmett', writers, eventsPerAppend)?.appendsPerSec) ?? '–'}× / ${ratio(find('twofold', writers, eventsPerAppend)?.appendsPerSec, find('raw-insert', writers, eventsPerAppend)?.appendsPerSec) ?? '–'}×`,
      })),
    },
    goals,
    data: { rows, rounds, poolSize },
  };
}
