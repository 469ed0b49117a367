// Statistics of a benchmark: percentiles of latencies, rates, ratios and the median of rounds.

/** What one measured run reports about its latencies, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * The p-th percentile (0 < p <= 100) by nearest rank: the smallest sample that at least p % of the
 * samples are less than or equal to. Always one of the samples; NaN for no samples.
 * `sorted` must be in ascending order.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], not ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The p-th percentile of unsorted samples (copied, not reordered). */
export function percentile(samples: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(samples), p);
}

export function summarizeLatencies(samples: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(samples);
  return {
    count: sorted.length,
    p50Ms: round3(percentileOfSorted(sorted, 50)),
    p99Ms: round3(percentileOfSorted(sorted, 99)),
    maxMs: round3(sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!),
  };
}

/** Operations per second, rounded to one decimal; 0 for an empty window. */
export function ratePerSecond(operations: number, elapsedMs: number): number {
  if (!(elapsedMs > 0)) return 0;
  return Math.round((operations / elapsedMs) * 10_000) / 10;
}

/**
 * How many times `subject` is `baseline`, to two decimals; undefined when either is missing, not
 * finite, or the baseline is 0 (no ratio is better than a misleading one).
 */
export function ratio(subject: number | undefined, baseline: number | undefined): number | undefined {
  if (subject === undefined || baseline === undefined || !Number.isFinite(subject) || !Number.isFinite(baseline) || baseline === 0) return undefined;
  return Math.round((subject / baseline) * 100) / 100;
}

/** The median of the finite values (the mean of the middle two for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

/** The medians across rounds of their p50 and p99 latencies. */
export function medianLatencies(rounds: readonly { readonly latency: LatencySummary }[]): { p50Ms: number; p99Ms: number } {
  return { p50Ms: median(rounds.map((r) => r.latency.p50Ms)), p99Ms: median(rounds.map((r) => r.latency.p99Ms)) };
}

/** Rotates a list by `by` places, so each round of interleaved runs starts with another system. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

const round3 = (value: number): number => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value);

function sortedCopy(samples: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(samples as ArrayLike<number>);
  sorted.sort();
  return sorted;
}
