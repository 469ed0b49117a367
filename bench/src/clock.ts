// Wall-clock time with sub-millisecond resolution, comparable across the benchmark's processes.
import { performance } from 'node:perf_hooks';

export const epochMs = (): number => performance.timeOrigin + performance.now();
