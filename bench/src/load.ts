// Load loops: closed (N clients back to back) and open (a fixed rate, latency from the scheduled start).
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface LoadResult {
  /** Operations that completed inside the measured window. */
  readonly operations: number;
  readonly elapsedMs: number;
  /** Latency of each counted operation, in ms. */
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: string | undefined;
}

/** What a round keeps of a run: its latencies, and how many operations failed (the first one's reason). */
export function roundOutcome(result: LoadResult): { latency: LatencySummary; errors: number; firstError: string | undefined } {
  return { latency: summarizeLatencies(result.latenciesMs), errors: result.errors, firstError: result.firstError };
}

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly durationMs: number;
  /** Run before the window opens; nothing in it is counted. */
  readonly warmupMs?: number;
  /** One operation of client `client`; rejects on failure (counted, the client goes on). */
  readonly operation: (client: number) => Promise<void>;
  /**
   * Count the operations that begin inside the window, however late they end (the loop waits for them), instead of
   * those that begin and end inside it: where operations may take longer than the window, the slow ones are not
   * left out of the latencies. The rate is then of operations begun per second of the window.
   */
  readonly countByStart?: boolean;
}

/** `concurrency` clients each run operations back to back; counts those that finish inside the window (or begin in it). */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const { concurrency, durationMs, warmupMs = 0, operation, countByStart = false } = options;
  const started = performance.now();
  const windowStart = started + warmupMs;
  const windowEnd = windowStart + durationMs;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const client = async (id: number): Promise<void> => {
    for (let now = performance.now(); now < windowEnd; now = performance.now()) {
      const begin = now;
      try {
        await operation(id);
        const end = performance.now();
        if (begin >= windowStart && (countByStart || end <= windowEnd)) latenciesMs.push(end - begin);
      } catch (error) {
        if (begin >= windowStart) errors++;
        firstError ??= describe(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => client(id)));
  return { operations: latenciesMs.length, elapsedMs: durationMs, latenciesMs, errors, firstError };
}

export interface OpenLoopOptions {
  readonly ratePerSec: number;
  /** The measured window, after the warm-up. */
  readonly durationMs: number;
  /** Before the window: operations due in it run on the same schedule but are not counted. */
  readonly warmupMs?: number;
  /** The rate rises linearly from 0 to `ratePerSec` over this long (inside the warm-up), so connections open as the load needs them. */
  readonly rampMs?: number;
  /** When the schedule starts, as epochMs(): load streams in several processes then share one clock. Default: now. */
  readonly startAtEpochMs?: number;
  /** Beyond this many operations in flight, a due operation is dropped (and counted as an error). */
  readonly maxInFlight?: number;
  readonly operation: (sequence: number) => Promise<void>;
}

/** The load generator's own account of the window: whether it kept its schedule, so that a miss is the server's. */
export interface GeneratorFigures {
  /** The window's operations ÷ the window: the rate asked for, to within one operation. */
  readonly targetPerSec: number;
  /** The window's operations ÷ the time from the window's start until the last of them was issued (sent, or dropped when too many were in flight), at least the window. */
  readonly issuedPerSec: number;
  /** How late each of the window's operations was issued after it was due: the generator's own delay, not the server's. */
  readonly scheduleLagMs: LatencySummary;
  /** The generator process's CPU time over the window, in % of one core. */
  readonly cpuPercent: number;
  /** The share of the window the generator's event loop was busy, 0–1. */
  readonly eventLoopUtilization: number;
  readonly peakInFlight: number;
}

export interface OpenLoopResult extends LoadResult {
  /** Operations due in the window. */
  readonly scheduled: number;
  readonly dropped: number;
  readonly generator: GeneratorFigures;
}

/** When operation `sequence` is due, in ms from the start: a linear ramp from 0 to `ratePerSec` over `rampMs`, then that rate. */
export function dueOffsetMs(sequence: number, ratePerSec: number, rampMs = 0): number {
  const perMs = ratePerSec / 1000;
  const rampOperations = (perMs * rampMs) / 2;
  return sequence < rampOperations ? Math.sqrt((2 * sequence * rampMs) / perMs) : rampMs + (sequence - rampOperations) / perMs;
}

/** How many operations are due by `offsetMs` from the start (0 before it): the inverse of dueOffsetMs. */
export function dueByOffsetMs(offsetMs: number, ratePerSec: number, rampMs = 0): number {
  if (offsetMs < 0) return 0;
  const perMs = ratePerSec / 1000;
  const operations = offsetMs < rampMs ? (perMs * offsetMs * offsetMs) / (2 * rampMs) : (perMs * rampMs) / 2 + perMs * (offsetMs - rampMs);
  return Math.floor(operations) + 1;
}

/**
 * Starts operations on a fixed schedule whatever the answers, and measures each from the time it was
 * due, not the time it was sent: a stall shows in the latencies (no coordinated omission). Only the
 * operations due in the window (after the warm-up) are counted; the loop waits for all of them.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { ratePerSec, durationMs, warmupMs = 0, rampMs = 0, startAtEpochMs, maxInFlight = 1024, operation } = options;
  const started = startAtEpochMs === undefined ? performance.now() : startAtEpochMs - performance.timeOrigin;
  const totalMs = warmupMs + durationMs;
  const latenciesMs: number[] = [];
  const scheduleLagsMs: number[] = [];
  const pending = new Set<Promise<void>>();
  let scheduled = 0;
  let windowScheduled = 0;
  let dropped = 0;
  let errors = 0;
  let firstError: string | undefined;
  let peakInFlight = 0;
  let lastIssuedAt = started + warmupMs;
  let windowCpu: NodeJS.CpuUsage | undefined;
  let windowLoop: EventLoopUtilization | undefined;
  let windowOpenedAt = 0;
  const issue = (sequence: number, dueAt: number, counted: boolean): void => {
    const issuedAt = performance.now();
    if (counted) {
      windowScheduled++;
      scheduleLagsMs.push(issuedAt - dueAt);
      lastIssuedAt = issuedAt;
    }
    if (pending.size >= maxInFlight) {
      if (counted) dropped++;
      firstError ??= `dropped: ${maxInFlight} requests already in flight (the server falls behind the rate)`;
      return;
    }
    const run = operation(sequence).then(
      () => {
        if (counted) latenciesMs.push(performance.now() - dueAt);
      },
      (error: unknown) => {
        if (counted) errors++;
        firstError ??= describe(error);
      },
    );
    pending.add(run);
    peakInFlight = Math.max(peakInFlight, pending.size);
    void run.finally(() => pending.delete(run));
  };
  if (started > performance.now()) await sleep(started - performance.now());
  for (let due = dueOffsetMs(0, ratePerSec, rampMs); due < totalMs; ) {
    const elapsed = performance.now() - started;
    if (windowCpu === undefined && elapsed >= warmupMs) {
      windowCpu = process.cpuUsage();
      windowLoop = performance.eventLoopUtilization();
      windowOpenedAt = performance.now();
    }
    for (; due <= elapsed && due < totalMs; due = dueOffsetMs(scheduled, ratePerSec, rampMs)) issue(scheduled++, started + due, due >= warmupMs);
    if (due < totalMs) await sleep(Math.max(0, Math.min(5, due - (performance.now() - started))));
  }
  const windowClosedAt = performance.now();
  const cpu = windowCpu === undefined ? undefined : process.cpuUsage(windowCpu);
  const loop = windowLoop === undefined ? undefined : performance.eventLoopUtilization(windowLoop);
  await Promise.all(pending);
  const windowWallMs = windowClosedAt - windowOpenedAt;
  const generator: GeneratorFigures = {
    targetPerSec: durationMs > 0 ? (windowScheduled / durationMs) * 1000 : 0,
    issuedPerSec: durationMs > 0 ? (windowScheduled / Math.max(durationMs, lastIssuedAt - (started + warmupMs))) * 1000 : 0,
    scheduleLagMs: summarizeLatencies(scheduleLagsMs),
    cpuPercent: cpu === undefined || windowWallMs <= 0 ? 0 : ((cpu.user + cpu.system) / 1000 / windowWallMs) * 100,
    eventLoopUtilization: loop?.utilization ?? 0,
    peakInFlight,
  };
  return { operations: latenciesMs.length, elapsedMs: durationMs, latenciesMs, errors: errors + dropped, firstError, scheduled: windowScheduled, dropped, generator };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
