import { describe, expect, it } from 'vitest';
import { IllegalTransition } from './errors.js';
import { inMemoryEventStore } from './in-memory-event-store.js';

describe('inMemoryEventStore', () => {
  it('returns data as a JSON store would, and frozen so callers cannot change history', async () => {
    const store = inMemoryEventStore();
    const at = new Date('2026-01-01T00:00:00Z');
    await store.appendToStream('s', [{ type: 'E', data: { at, nested: { n: 1 } } }], { expectedVersion: 'no_stream' });
    const [event] = await store.readStream('s');
    expect(event?.data).toEqual({ at: '2026-01-01T00:00:00.000Z', nested: { n: 1 } });
    expect(() => {
      (event!.data as { nested: { n: number } }).nested.n = 2;
    }).toThrow(TypeError);
    expect((await store.readStream('s'))[0]?.data).toEqual({ at: '2026-01-01T00:00:00.000Z', nested: { n: 1 } });
  });
});

describe('IllegalTransition', () => {
  it('says a or an as English does', () => {
    expect(new IllegalTransition('order', 'cancelled', 'pay').message).toBe('cannot pay an order that is cancelled');
    expect(new IllegalTransition('product', 'added', 'add').message).toBe('cannot add a product that is added');
  });
});
