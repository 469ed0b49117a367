// Benchmark 1, append: Twofold's PostgreSQL store vs Emmett's vs a raw INSERT through pg (and Twofold on PGlite), rounds interleaved.
import { median, ratePerSecond, ratio, rotate } from './stats.js';
import { goal, type BenchmarkReport, type Goal, type SuiteContext } from './suite.js';
import { times, type Cell } from './table.js';
import type { AppendRunResult, AppendSystem } from './worker-append.js';
import type { Worker } from './worker-process.js';

/** One row of the results file's `append` entry. */
export interface AppendRow {
  readonly system: AppendSystem;
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly appendsPerSec: number;
  readonly p99Ms: number;
}

export interface AppendRound extends AppendRunResult {
  readonly round: number;
  readonly system: AppendSystem;
  readonly writers: number;
  readonly eventsPerAppend: number;
  readonly appendsPerSec: number;
}

const serverSystems: readonly AppendSystem[] = ['twofold', 'emmett', 'raw-insert'];
/** PGlite has one connection: it is measured with one writer only. */
const systemsFor = (writers: number): readonly AppendSystem[] => (writers === 1 ? [...serverSystems, 'twofold-pglite'] : serverSystems);

export async function appendBenchmark(context: SuiteContext): Promise<BenchmarkReport> {
  const { profile, progress } = context;
  const { writers: writerCounts, eventsPerAppend: sizes, durationMs, warmupMs } = profile.append;
  const database = await context.database('append');
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
  const total = profile.rounds * configs.reduce((sum, c) => sum + systemsFor(c.writers).length, 0);
  const rounds: AppendRound[] = [];
  let done = 0;
  for (let round = 0; round < profile.rounds; round++) {
    for (const [index, { writers, eventsPerAppend }] of configs.entries()) {
      // interleaved: each configuration runs every system back to back, in an order that rotates
      for (const system of rotate(systemsFor(writers), round + index)) {
        progress.step('append', done++, total, `${system}, ${writers} writers, ${eventsPerAppend} events/append`);
        const result = await workers.get(system)!.call<AppendRunResult>('append.run', { writers, eventsPerAppend, durationMs, warmupMs });
        rounds.push({ round, system, writers, eventsPerAppend, ...result, appendsPerSec: ratePerSecond(result.appends, result.elapsedMs) });
      }
    }
  }
  progress.step('append', total, total, 'done');
  for (const worker of workers.values()) await worker.close();

  const rows: AppendRow[] = configs.flatMap(({ writers, eventsPerAppend }) =>
    systemsFor(writers).map((system) => {
      const runs = rounds.filter((r) => r.system === system && r.writers === writers && r.eventsPerAppend === eventsPerAppend);
      return { system, writers, eventsPerAppend, appendsPerSec: median(runs.map((r) => r.appendsPerSec)), p99Ms: median(runs.map((r) => r.latency.p99Ms)) };
    }),
  );
  const find = (system: AppendSystem, writers: number, eventsPerAppend: number): AppendRow | undefined =>
    rows.find((r) => r.system === system && r.writers === writers && r.eventsPerAppend === eventsPerAppend);
  const errors = rounds.filter((r) => r.errors > 0).map((r) => `${r.system} ${r.writers}×${r.eventsPerAppend}: ${r.errors} errors (${r.firstError})`);

  const tableRows: Cell[][] = configs.map(({ writers, eventsPerAppend }) => {
    const rate = (system: AppendSystem): number | undefined => find(system, writers, eventsPerAppend)?.appendsPerSec;
    const p99 = (system: AppendSystem): number | undefined => find(system, writers, eventsPerAppend)?.p99Ms;
    return [
      writers,
      eventsPerAppend,
      rate('twofold'),
      p99('twofold'),
      rate('emmett'),
      p99('emmett'),
      rate('raw-insert'),
      p99('raw-insert'),
      rate('twofold-pglite'),
      times(ratio(rate('twofold'), rate('emmett'))),
      times(ratio(rate('twofold'), rate('raw-insert'))),
    ];
  });
  const goals: Goal[] = [];
  for (const writers of writerCounts.filter((w) => w === 8 || w === 32)) {
    const twofold = find('twofold', writers, 1)?.appendsPerSec;
    goals.push(goal('append', `twofold ÷ emmett, ${writers} writers, 1 event/append`, 2, ratio(twofold, find('emmett', writers, 1)?.appendsPerSec)));
    goals.push(goal('append', `twofold ÷ raw INSERT, ${writers} writers, 1 event/append`, 0.6, ratio(twofold, find('raw-insert', writers, 1)?.appendsPerSec)));
  }
  return {
    name: 'append',
    tables: [
      {
        title: 'append: appends/s and p99 ms (median of rounds)',
        columns: ['writers', 'events/append', 'twofold/s', 'p99', 'emmett/s', 'p99', 'raw-insert/s', 'p99', 'pglite/s', '÷emmett', '÷raw'],
        rows: tableRows,
        notes: [
          `${profile.rounds} round(s) of ${durationMs / 1000} s per cell after ${warmupMs / 1000} s warm-up; systems interleaved per configuration, each in its own process; pools of ${poolSize} connections; every append opens a new stream; 300-byte events.`,
          'raw-insert: one INSERT … VALUES statement of the append\'s rows, bound parameters, unnamed, through pg; pglite: Twofold on PGlite on disk, 1 writer.',
          ...errors,
        ],
      },
    ],
    chart: {
      title: 'append: appends/s',
      unit: 'appends per second, higher is better; caption: twofold ÷ emmett, twofold ÷ raw INSERT',
      groups: configs.map(({ writers, eventsPerAppend }) => ({
        label: `${writers}w × ${eventsPerAppend}e`,
        bars: systemsFor(writers).map((system) => ({ series: system, value: find(system, writers, eventsPerAppend)?.appendsPerSec })),
        caption: `${ratio(find('twofold', writers, eventsPerAppend)?.appendsPerSec, find('emmett', writers, eventsPerAppend)?.appendsPerSec) ?? '–'}× / ${ratio(find('twofold', writers, eventsPerAppend)?.appendsPerSec, find('raw-insert', writers, eventsPerAppend)?.appendsPerSec) ?? '–'}×`,
      })),
    },
    goals,
    data: { rows, rounds, poolSize },
  };
}
