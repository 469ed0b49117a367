// pgbench, PostgreSQL's own load generator, doing one-row INSERT transactions: the rate the server itself takes, beside the Node appenders.
import { executable } from './executable.js';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { eventData } from './payload.js';
import { summarizeLatencies } from './stats.js';
import { rawEventsTable, type AppendRunResult } from './worker-append.js';

const run = promisify(execFile);


/** `TWOFOLD_BENCH_PGBENCH`, else pgbench on the PATH, else the newest Debian server's; undefined when there is none. */
export function findPgbench(): string | undefined {
  const named = process.env['TWOFOLD_BENCH_PGBENCH'];
  if (named !== undefined && named !== '') return executable(named) ? named : undefined;
  const onPath = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'pgbench'));
  let debian: string[] = [];
  try {
    debian = readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join('/usr/lib/postgresql', version, 'bin', 'pgbench'));
  } catch {
    // no Debian PostgreSQL server here
  }
  return [...onPath, ...debian].find(executable);
}

export interface PgbenchRunOptions {
  readonly pgbench: string;
  readonly url: string;
  readonly clients: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

/**
 * The event as one `INSERT … VALUES` of one row per transaction into the raw-insert system's table, the data built
 * from a bound number (prepared mode) so that each row differs and the server parses its JSON, as for the others.
 */
function insertScript(): string {
  const [head, tail] = JSON.stringify(eventData(0)).split('"o-0"') as [string, string];
  return `\\set n random(1, 1000000000)
INSERT INTO bench_raw_events (stream_id, stream_version, event_type, data, metadata) VALUES ('pgbench-' || :client_id || '-' || :n, 1, 'BenchEventRecorded', ('${head}"o-' || :n || '"${tail}')::jsonb, '{}');
`;
}

/**
 * Runs pgbench with `clients` connections on one thread for the warm-up plus the window (rounded up to whole
 * seconds, plus one), and counts, from its per-transaction log, the transactions that began after the warm-up
 * and ended inside the window: the same window as `runClosedLoop`. A failed run is reported, not thrown.
 */
export async function runPgbenchInserts(options: PgbenchRunOptions): Promise<AppendRunResult> {
  const { pgbench, url, clients, durationMs, warmupMs } = options;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(rawEventsTable).finally(() => client.end());
  const dir = await mkdtemp(join(tmpdir(), 'twofold-bench-pgbench-'));
  try {
    await writeFile(join(dir, 'insert.sql'), insertScript());
    const seconds = Math.ceil((warmupMs + durationMs) / 1000) + 1;
    const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', '1', '-T', String(seconds), '-f', join(dir, 'insert.sql'), '-l', `--log-prefix=${join(dir, 'tx')}`, url];
    const failure = await run(pgbench, args, { cwd: dir }).then(
      () => undefined,
      (error: { stderr?: string; message: string }) => (error.stderr ?? '').trim().split('\n').at(-1) || error.message,
    );
    // one line per transaction: client, transaction number, latency µs, script, end (s, µs)
    const spans: [beginUs: number, endUs: number][] = [];
    for (const name of (await readdir(dir)).filter((file) => file.startsWith('tx.'))) {
      for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
        const [, , latency, , seconds, micros] = line.split(' ');
        if (micros === undefined || !/^\d+$/.test(latency ?? '')) continue;
        const end = Number(seconds) * 1e6 + Number(micros);
        spans.push([end - Number(latency), end]);
      }
    }
    const started = spans.reduce((first, [begin]) => Math.min(first, begin), Number.POSITIVE_INFINITY);
    const windowStart = started + warmupMs * 1000;
    const windowEnd = windowStart + durationMs * 1000;
    const latenciesMs = spans.filter(([begin, end]) => begin >= windowStart && end <= windowEnd).map(([begin, end]) => (end - begin) / 1000);
    return {
      appends: latenciesMs.length,
      elapsedMs: durationMs,
      latency: summarizeLatencies(latenciesMs),
      errors: failure === undefined ? 0 : 1,
      firstError: failure,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
