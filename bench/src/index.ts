// @twofold/bench: the benchmark suite, Twofold side by side with its baselines and peers in one run.
export type { BenchResult, BenchResultFile, RunBenchOptions } from './run-bench.js';
export { runBench } from './run-bench.js';
export type { BenchmarkName, BenchmarkReport, Goal } from './suite.js';
export { benchmarkNames } from './suite.js';
export type { BenchProfile, ProfileName } from './profiles.js';
export { profiles } from './profiles.js';
export type { AppendRow } from './suite-append.js';
