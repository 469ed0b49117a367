// Prometheus metrics of deadlines: how many are pending, late, fired, rejected, cancelled, and how late each fired.
import type { DeadlineDispatcher, DeadlineStore } from '@twofold/core';
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface DeadlineMetricsOptions {
  /** Counted at each scrape: the store's numbers are every process's. */
  readonly store: Pick<DeadlineStore, 'counts'>;
  /** This process's dispatcher: each deadline it fires feeds the delay histogram. */
  readonly dispatcher?: Pick<DeadlineDispatcher, 'onFired'>;
  /** A pending deadline due longer ago than this counts as late. Default 1,000 ms. */
  readonly lateAfterMs?: number;
}

const delayBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function deadlineMetrics(registry: Registry, options: DeadlineMetricsOptions): void {
  const { store, dispatcher, lateAfterMs = 1_000 } = options;
  new Gauge({
    name: 'twofold_deadlines',
    help: `Deadlines by state: pending, late (due over ${lateAfterMs} ms ago and not fired), fired, rejected (the command was refused), cancelled`,
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await store.counts(lateAfterMs);
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  if (dispatcher === undefined) return;
  const delay = new Histogram({
    name: 'twofold_deadline_fire_delay_seconds',
    help: 'From a deadline being due to this process firing its command, by outcome',
    labelNames: ['outcome'],
    buckets: delayBuckets,
    registers: [registry],
  });
  dispatcher.onFired(({ deadline, outcome, firedAt }) => delay.observe({ outcome }, Math.max(0, firedAt.getTime() - deadline.dueAt.getTime()) / 1000));
}
