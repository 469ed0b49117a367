// Load loops: closed (N clients back to back) and open (a fixed rate, latency from the scheduled start).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadResult {
  /** Operations that completed inside the measured window. */
  readonly operations: number;
  readonly elapsedMs: number;
  /** Latency of each counted operation, in ms. */
  readonly latenciesMs: number[];
  readonly errors: number;
  readonly firstError: string | undefined;
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
  readonly durationMs: number;
  /** Beyond this many operations in flight, a due operation is dropped (and counted as an error). */
  readonly maxInFlight?: number;
  readonly operation: (sequence: number) => Promise<void>;
}

export interface OpenLoopResult extends LoadResult {
  readonly scheduled: number;
  readonly dropped: number;
}

/**
 * Starts operations at a fixed rate whatever the answers, and measures each from the time it was
 * due, not the time it was sent: a stall shows in the latencies (no coordinated omission).
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { ratePerSec, durationMs, maxInFlight = 1024, operation } = options;
  const intervalMs = 1000 / ratePerSec;
  const started = performance.now();
  const latenciesMs: number[] = [];
  const pending = new Set<Promise<void>>();
  let scheduled = 0;
  let dropped = 0;
  let errors = 0;
  let firstError: string | undefined;
  for (;;) {
    const now = performance.now();
    if (now - started >= durationMs) break;
    const due = Math.min(Math.floor((now - started) / intervalMs) + 1, Math.ceil(durationMs / intervalMs));
    while (scheduled < due) {
      const sequence = scheduled++;
      const dueAt = started + sequence * intervalMs;
      if (pending.size >= maxInFlight) {
        dropped++;
        firstError ??= `dropped: ${maxInFlight} requests already in flight (the server falls behind the rate)`;
        continue;
      }
      const run = operation(sequence).then(
        () => {
          latenciesMs.push(performance.now() - dueAt);
        },
        (error: unknown) => {
          errors++;
          firstError ??= describe(error);
        },
      );
      pending.add(run);
      void run.finally(() => pending.delete(run));
    }
    await sleep(Math.max(0, Math.min(5, started + scheduled * intervalMs - performance.now())));
  }
  await Promise.all(pending);
  return { operations: latenciesMs.length, elapsedMs: durationMs, latenciesMs, errors: errors + dropped, firstError, scheduled, dropped };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
