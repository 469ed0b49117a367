// Prometheus counters of an exact answer cache (createAnswerCache), on the registry `metricsRoutes` returned: whether
// it pays (hits against misses) and how often batches drop what it keeps.
import type { AnswerCache, AnswerCacheStats } from '@twofold/core';
import { Counter, Gauge, type Registry } from 'prom-client';

const counted: readonly { readonly stat: Exclude<keyof AnswerCacheStats, 'entries'>; readonly name: string; readonly help: string }[] = [
  { stat: 'hits', name: 'twofold_answer_cache_hits_total', help: 'Queries answered from the exact answer cache' },
  { stat: 'misses', name: 'twofold_answer_cache_misses_total', help: 'Cacheable queries read from the read model' },
  { stat: 'refusedFills', name: 'twofold_answer_cache_refused_fills_total', help: 'Answers not kept: a batch that may have changed them was learned while they were read' },
  { stat: 'flushes', name: 'twofold_answer_cache_flushes_total', help: 'Times every answer of a read model was dropped (a gap in its batches, a switch of generation, parked events applied)' },
];

export function answerCacheMetrics(registry: Registry, cache: AnswerCache): void {
  // the cache counts; each scrape moves the counters by what it counted since the last
  const seen: Record<string, number> = {};
  for (const { stat, name, help } of counted) {
    seen[stat] = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = cache.stats()[stat];
        this.inc(now - (seen[stat] ?? 0));
        seen[stat] = now;
      },
    });
  }
  new Gauge({
    name: 'twofold_answer_cache_entries',
    help: 'Answers the exact answer cache keeps',
    registers: [registry],
    collect() {
      this.set(cache.stats().entries);
    },
  });
}
