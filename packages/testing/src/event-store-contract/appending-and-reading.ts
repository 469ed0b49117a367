// The EventStore contract on one stream: what is appended reads back in version order, whole, from a version on, page by page.
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

export function appendingAndReadingTests(suite: EventStoreSuite): void {
  describe('appending and reading a stream', () => {
    readingAStreamTests(suite);
    metadataTests(suite);
  });
}

function readingAStreamTests({ store, stream }: EventStoreSuite): void {
  it('reads back what was appended, in version order, as stored events', async () => {
    const id = stream('order');
    const result = await store().appendToStream(id, [event('OrderPlaced', { total: 3 }), event('OrderPaid', { amountCents: 300 })], {
      expectedVersion: 'no_stream',
    });
    const events = await store().readStream(id);
    expect(events.map((e) => [e.type, e.data, e.streamId, e.streamVersion])).toEqual([
      ['OrderPlaced', { total: 3 }, id, 1],
      ['OrderPaid', { amountCents: 300 }, id, 2],
    ]);
    expect(events[1]!.globalPosition).toBeGreaterThan(events[0]!.globalPosition);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2);
    for (const e of events) {
      expect(typeof e.eventId).toBe('string');
      expect(e.recordedAt).toBeInstanceOf(Date);
      expect(Number.isNaN(e.recordedAt.getTime())).toBe(false);
      expect(e.transactionId).toBe(result.transactionId);
    }
    expect(result.streams).toEqual([{ streamId: id, streamVersion: 2, position: events[1]!.globalPosition, positions: events.map((e) => e.globalPosition) }]);
    expect(result.position).toBe(events[1]!.globalPosition);
  });

  it('returns no events for a stream that does not exist', async () => {
    expect(await store().readStream(stream('missing'))).toEqual([]);
  });

  it('reads a stream from a version on', async () => {
    const id = stream('cart');
    await store().appendToStream(id, [event('A'), event('B'), event('C'), event('D')], { expectedVersion: 'no_stream' });
    expect((await store().readStream(id, { fromVersion: 3 })).map((e) => [e.type, e.streamVersion])).toEqual([
      ['C', 3],
      ['D', 4],
    ]);
    expect(await store().readStream(id, { fromVersion: 5 })).toEqual([]);
  });

  it('reads at most maxCount events, so fromVersion and maxCount page through a stream exactly', async () => {
    const id = stream('paged');
    const types = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
    await store().appendToStream(id, types.map((type) => event(type)), { expectedVersion: 'no_stream' });
    const all = await store().readStream(id);
    expect((await store().readStream(id, { fromVersion: 2, maxCount: 3 })).map((e) => [e.type, e.streamVersion])).toEqual([
      ['B', 2],
      ['C', 3],
      ['D', 4],
    ]);
    expect(await store().readStream(id, { maxCount: 0 })).toEqual([]);
    expect(await store().readStream(id, { maxCount: 100 })).toEqual(all);
    expect(await store().readStream(id, { fromVersion: 8, maxCount: 2 })).toEqual([]);
    expect(await store().readStream(stream('missing'), { maxCount: 2 })).toEqual([]);
    for (const maxCount of [1, 2, 3, 7]) {
      const paged: StoredEvent[] = [];
      for (let fromVersion = 1; ; ) {
        const page = await store().readStream(id, { fromVersion, maxCount });
        expect(page.length).toBeLessThanOrEqual(maxCount);
        if (page.length === 0) break;
        paged.push(...page);
        fromVersion = page.at(-1)!.streamVersion + 1;
      }
      expect(paged).toEqual(all);
    }
  });
}

function metadataTests({ store, stream }: EventStoreSuite): void {
  it('round-trips metadata and nested data unchanged', async () => {
    const id = stream('meta');
    const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'user-1', schemaVersion: 2, tenant: { id: 't', tags: ['a', 'b'] } };
    const data = { lines: [{ sku: 'x"y\\z', quantity: 2 }], note: 'üñí ☃', empty: {}, nothing: null, flag: false };
    await store().appendToStream(id, [event('Noted', data, metadata)], { expectedVersion: 'any' });
    const [stored] = await store().readStream(id);
    expect(stored!.data).toEqual(data);
    expect(stored!.metadata).toEqual(metadata);
  });

  it('stores an event without metadata with empty metadata', async () => {
    const id = stream('bare');
    await store().appendToStream(id, [event('Bare')], { expectedVersion: 'any' });
    expect((await store().readStream(id))[0]!.metadata).toEqual({});
  });
}
