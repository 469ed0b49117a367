import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnswerCache, type CacheMiss } from './answer-cache.js';
import type { LogCursor } from './messages.js';
import type { AppliedBatch, ChangedKeys } from './projection-runner-status.js';

const at = (n: number): LogCursor => ({ transactionId: n, position: n });
const batch = (after: number, to: number, changed: ChangedKeys, live = true): AppliedBatch => ({
  name: 'orders',
  generation: 1,
  live,
  after: at(after),
  cursor: at(to),
  lastEventAt: new Date(0),
  applied: [],
  parked: 0,
  committedAt: new Date(0),
  changed,
});

/** A cache that has learned batches up to 1 and keeps `answer` for key k. */
function warmed(answer = 'k@0') {
  const cache = createAnswerCache();
  cache.learn(batch(0, 1, []));
  const miss = cache.lookup<string>('orders', 'k', at(1)) as CacheMiss<string>;
  expect(miss.hit).toBe(false);
  miss.fill(answer);
  return cache;
}

describe('createAnswerCache', () => {
  it('serves a kept answer while every batch up to where readers stand was learned', () => {
    const cache = warmed();
    expect(cache.lookup('orders', 'k', at(1))).toEqual({ hit: true, answer: 'k@0' });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });

  it('keeps an answer across a batch that changed other keys, and drops it at one that changed its key', () => {
    const cache = warmed();
    cache.learn(batch(1, 2, ['other']));
    expect(cache.lookup('orders', 'k', at(2)).hit).toBe(true);
    cache.learn(batch(2, 3, ['k']));
    expect(cache.lookup('orders', 'k', at(3)).hit).toBe(false);
  });

  it('does not serve where readers stand past the last batch learned (a notification came before the report)', () => {
    const cache = warmed();
    expect(cache.lookup('orders', 'k', at(2)).hit).toBe(false);
    expect(cache.lookup('orders', 'k', undefined).hit).toBe(false);
  });

  it('refuses an answer read while a batch that changed its key was learned', () => {
    const cache = warmed();
    cache.learn(batch(1, 2, ['k']));
    const miss = cache.lookup<string>('orders', 'k', at(2)) as CacheMiss<string>;
    cache.learn(batch(2, 3, ['k']));
    miss.fill('k@2');
    expect(cache.lookup('orders', 'k', at(3)).hit).toBe(false);
    expect(cache.stats().refusedFills).toBe(1);
  });

  it('drops every answer at a gap in the batches (a report lost), at a change it cannot name, and refuses fills begun before', () => {
    const cache = warmed();
    const begun = cache.lookup<string>('orders', 'j', at(1)) as CacheMiss<string>;
    cache.learn(batch(2, 3, ['other']));
    begun.fill('j@1');
    expect(cache.lookup('orders', 'k', at(3)).hit).toBe(false);
    expect(cache.lookup('orders', 'j', at(3)).hit).toBe(false);
    const again = warmed();
    again.learn(batch(1, 1, 'all'));
    expect(again.lookup('orders', 'k', at(1)).hit).toBe(false);
    expect(again.stats().flushes).toBe(2);
  });

  it('ignores a rebuild’s batches: no reader sees them until the switch, which changes all', () => {
    const cache = warmed();
    cache.learn(batch(0, 5, [], false));
    expect(cache.lookup('orders', 'k', at(1)).hit).toBe(true);
  });

  it('keeps at most maxEntries per read model, dropping the oldest', () => {
    const cache = createAnswerCache({ maxEntries: 2 });
    cache.learn(batch(0, 1, []));
    for (const key of ['a', 'b', 'c']) (cache.lookup<string>('orders', key, at(1)) as CacheMiss<string>).fill(key);
    expect(cache.lookup('orders', 'a', at(1)).hit).toBe(false);
    expect(cache.lookup('orders', 'c', at(1))).toEqual({ hit: true, answer: 'c' });
    expect(cache.stats().entries).toBe(2);
    expect(() => createAnswerCache({ maxEntries: 0 })).toThrow(RangeError);
  });

  /**
   * A model of the world the cache lives in: a store whose batches change keys and move a checkpoint, reports of
   * them that arrive late or never, a view of the checkpoint that may run ahead of the reports, and reads whose
   * statements run some time after their lookup and whose answers are offered later still. Every answer served must
   * be one a read at the checkpoint the reader was shown, or later, could give.
   */
  it('serves only answers a read at or after the visible checkpoint could give, whatever the interleaving', () => {
    const keys = ['a', 'b'];
    // weighted so that reads often complete between batches: answers get kept, and served, and tested
    const op = fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), keys: fc.subarray(keys), all: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('deliver' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('notify' as const) }) },
      { weight: 8, arbitrary: fc.record({ kind: fc.constant('lookup' as const), key: fc.constantFrom(...keys) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('read' as const), pick: fc.nat() }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('fill' as const), pick: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 200 }), fc.integer({ min: 1, max: 3 }), (ops, maxEntries) => {
        const cache = createAnswerCache({ maxEntries });
        // states[n]: each key's value once batch n committed (the value names the batch that wrote it)
        const states: Record<string, string>[] = [Object.fromEntries(keys.map((key) => [key, `${key}@0`]))];
        const unreported: AppliedBatch[] = [];
        let view = 0;
        const reads: { key: string; miss: CacheMiss<string>; value: string | undefined }[] = [];
        for (const step of ops) {
          const committed = states.length - 1;
          switch (step.kind) {
            case 'commit': {
              const next = { ...states[committed]! };
              for (const key of step.keys) next[key] = `${key}@${committed + 1}`;
              states.push(next);
              unreported.push(batch(committed, committed + 1, step.all ? 'all' : step.keys));
              break;
            }
            case 'deliver': {
              const report = unreported.shift();
              if (report === undefined) break;
              cache.learn(report);
              view = Math.max(view, report.cursor.position);
              break;
            }
            case 'lose':
              unreported.shift();
              break;
            case 'notify':
              view = committed;
              break;
            case 'lookup': {
              const looked = cache.lookup<string>('orders', step.key, at(view));
              if (looked.hit) {
                const couldGive = states.slice(view).map((state) => state[step.key]);
                expect(couldGive).toContain(looked.answer);
              } else reads.push({ key: step.key, miss: looked, value: undefined });
              break;
            }
            case 'read': {
              const pending = reads.filter((read) => read.value === undefined);
              const read = pending[step.pick % Math.max(1, pending.length)];
              if (read !== undefined) read.value = states[committed]![read.key];
              break;
            }
            case 'fill': {
              const ready = reads.filter((read) => read.value !== undefined);
              const read = ready[step.pick % Math.max(1, ready.length)];
              if (read === undefined) break;
              read.miss.fill(read.value!);
              reads.splice(reads.indexOf(read), 1);
              break;
            }
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('serves most reads in the same model when reports are delivered and no key changes often', () => {
    const cache = createAnswerCache();
    cache.learn(batch(0, 1, []));
    for (let i = 0; i < 100; i++) {
      const looked = cache.lookup<string>('orders', `k${i % 10}`, at(1));
      if (!looked.hit) looked.fill(`k${i % 10}`);
    }
    expect(cache.stats()).toMatchObject({ hits: 90, misses: 10 });
  });
});
