// Percentiles, rates, ratios and medians: the arithmetic every benchmark figure goes through.
import { describe, expect, it } from 'vitest';
import { median, percentile, percentileOfSorted, ratePerSecond, ratio, rotate, summarizeLatencies } from './stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('is the smallest sample at or above p % of the samples', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
  });

  it('is always one of the samples, never an interpolation', () => {
    expect(percentile([1, 10], 50)).toBe(1);
    expect(percentile([1, 10], 51)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
  });

  it('sorts numerically, not as text, and leaves the input alone', () => {
    const samples = [100, 9, 20, 3];
    expect(percentile(samples, 50)).toBe(9);
    expect(percentile(samples, 99)).toBe(100);
    expect(samples).toEqual([100, 9, 20, 3]);
  });

  it('makes p99 of 1,000 samples the 990th', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(percentile(samples, 99)).toBe(990);
  });

  it('is NaN for no samples and rejects a p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentileOfSorted([1], 0)).toThrow(RangeError);
    expect(() => percentileOfSorted([1], 101)).toThrow(RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('reports count, p50, p99 and max, rounded to microseconds', () => {
    expect(summarizeLatencies([3.00001, 1, 2, 4])).toEqual({ count: 4, p50Ms: 2, p99Ms: 4, maxMs: 4 });
    expect(summarizeLatencies([1.23456])).toEqual({ count: 1, p50Ms: 1.235, p99Ms: 1.235, maxMs: 1.235 });
  });

  it('reports NaN figures for no samples', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p99Ms).toBeNaN();
  });
});

describe('ratePerSecond', () => {
  it('divides operations by seconds, one decimal', () => {
    expect(ratePerSecond(1500, 1000)).toBe(1500);
    expect(ratePerSecond(1, 3000)).toBe(0.3);
  });

  it('is 0 for an empty window', () => {
    expect(ratePerSecond(10, 0)).toBe(0);
  });
});

describe('ratio', () => {
  it('is subject ÷ baseline to two decimals', () => {
    expect(ratio(2415, 1207.5)).toBe(2);
    expect(ratio(1, 3)).toBe(0.33);
  });

  it('is undefined rather than misleading: a missing or zero baseline, a missing or non-finite figure', () => {
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(undefined, 1)).toBeUndefined();
    expect(ratio(1, undefined)).toBeUndefined();
    expect(ratio(Number.NaN, 1)).toBeUndefined();
    expect(ratio(1, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('median of rounds', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('ignores rounds that measured nothing', () => {
    expect(median([Number.NaN, 5, 7])).toBe(6);
    expect(median([])).toBeNaN();
  });
});

describe('rotate (interleaving order per round)', () => {
  it('starts each round with the next system', () => {
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
    expect(rotate([], 3)).toEqual([]);
  });
});
