#!/usr/bin/env node
// `npm run bench [-- --quick] [--only append,query] [--out DIR]`: runs the benchmark suite against the local PostgreSQL.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench } from './run-bench.js';
import { benchmarkNames, cleanUpRunningBenchmarks, type BenchmarkName } from './suite.js';

const usage = `usage: npm run bench -- [--quick] [--only ${benchmarkNames.join(',')}] [--out DIR] [--database-url URL]

  --quick          small sizes and short runs (under 5 minutes)
  --only LIST      run only these benchmarks, comma-separated
  --out DIR        where results go (default bench/results)
  --database-url   the PostgreSQL server to create databases on (default TWOFOLD_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)

Redis: TWOFOLD_BENCH_REDIS_URL (default redis://127.0.0.1:6379); the projection benchmark builds a read model there
under a fresh key prefix and deletes it afterwards.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      tiny: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !(benchmarkNames as readonly string[]).includes(name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}\n${usage}`);
    return 2;
  }
  const outDir = values.out === undefined ? join(dirname(fileURLToPath(import.meta.url)), '..', 'results') : resolve(values.out);
  const { file, json } = await runBench({
    profile: values.tiny ? 'tiny' : values.quick ? 'quick' : 'full',
    outDir,
    ...(only === undefined ? {} : { only: only as BenchmarkName[] }),
    ...(values['database-url'] === undefined ? {} : { serverUrl: values['database-url'] }),
  });
  process.stdout.write(`results: ${file}\n`);
  return Object.keys(json.errors).length === 0 ? 0 : 1;
}

// interrupted: end the workers and drop the databases before leaving
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUpRunningBenchmarks().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
