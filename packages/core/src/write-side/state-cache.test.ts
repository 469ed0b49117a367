import { describe, expect, it } from 'vitest';
import { createStateCache, estimateBytes, type CachedStream } from './state-cache.js';

const entry = (state: unknown, model = 'm'): CachedStream => ({ model, state, version: 1, position: 1, transactionId: 1, snapshotVersion: 0 });

describe('createStateCache', () => {
  it('evicts the least recently used stream past maxEntries', () => {
    const cache = createStateCache({ maxEntries: 2 });
    cache.set('a', entry(1));
    cache.set('b', entry(2));
    cache.get('a', 'm');
    cache.set('c', entry(3));
    expect([cache.get('a', 'm')?.state, cache.get('b', 'm'), cache.get('c', 'm')?.state]).toEqual([1, undefined, 3]);
  });

  it('evicts past maxBytes and keeps its byte count exact', () => {
    const big = 'x'.repeat(1_000);
    const cache = createStateCache({ maxBytes: 5_000 });
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, entry(big));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(5_000);
    cache.delete('d');
    cache.delete('c');
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it('does not keep a state larger than the whole cache, nor anything with maxEntries 0', () => {
    const cache = createStateCache({ maxBytes: 100 });
    cache.set('a', entry('y'.repeat(1_000)));
    expect(cache.get('a', 'm')).toBeUndefined();
    const none = createStateCache({ maxEntries: 0 });
    none.set('a', entry(1));
    expect(none.size).toBe(0);
  });

  it('answers only for the model that folded the state', () => {
    const cache = createStateCache();
    cache.set('a', entry(1, 'product'));
    expect(cache.get('a', 'order')).toBeUndefined();
    expect(cache.get('a', 'product')?.state).toBe(1);
  });

  it('estimates sizes that grow with the content', () => {
    expect(estimateBytes({ a: 'x'.repeat(100) })).toBeGreaterThan(estimateBytes({ a: 'x' }));
    expect(estimateBytes(new Map([['k', [1, 2, 3]]]))).toBeGreaterThan(estimateBytes(new Map()));
  });
});
