// The EventStore contract on appends to several streams: one step, positions reported per stream, all or nothing.
import { StreamVersionConflict } from '@twofold/core';
import { describe, expect, it } from 'vitest';
import { event, type EventStoreSuite } from './suite.js';

export function appendingToSeveralStreamsTests(suite: EventStoreSuite): void {
  describe('appending to several streams', () => {
    positionTests(suite);
    allOrNothingTests(suite);
  });
}

function positionTests({ store, stream }: EventStoreSuite): void {
  it('appends to all streams in one step, positions in input order', async () => {
    const order = stream('order');
    const product = stream('product');
    await store().appendToStream(product, [event('ProductAdded')], { expectedVersion: 'no_stream' });
    const result = await store().appendToStreams([
      { streamId: product, events: [event('StockReserved', { n: 1 })], expectedVersion: 1 },
      { streamId: order, events: [event('OrderPlaced'), event('OrderConfirmed')], expectedVersion: 'no_stream' },
    ]);
    const [reserved] = await store().readStream(product, { fromVersion: 2 });
    const placed = await store().readStream(order);
    expect(placed.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    const positions = [reserved!, ...placed].map((e) => e.globalPosition);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set([reserved!, ...placed].map((e) => e.transactionId)).size).toBe(1);
    expect(result.streams).toEqual([
      { streamId: product, streamVersion: 2, position: reserved!.globalPosition, positions: [reserved!.globalPosition] },
      { streamId: order, streamVersion: 2, position: placed[1]!.globalPosition, positions: placed.map((e) => e.globalPosition) },
    ]);
    expect(result.position).toBe(Math.max(...positions));
    expect(result.transactionId).toBe(reserved!.transactionId);
  });

  it('reports the global position of each appended event, per stream in order, as readStream reports them', async () => {
    const a = stream('a');
    const b = stream('b');
    const c = stream('c');
    const untouched = stream('untouched');
    await store().appendToStream(b, [event('B1')], { expectedVersion: 'no_stream' });
    await store().appendToStream(untouched, [event('U1')], { expectedVersion: 'no_stream' });
    const result = await store().appendToStreams([
      { streamId: a, events: [event('A1'), event('A2'), event('A3')], expectedVersion: 'no_stream' },
      { streamId: b, events: [event('B2'), event('B3')], expectedVersion: 1 },
      { streamId: untouched, events: [], expectedVersion: 1 },
      { streamId: c, events: [event('C1'), event('C2'), event('C3'), event('C4')], expectedVersion: 'any' },
    ]);
    const written = async (id: string, fromVersion = 1): Promise<number[]> =>
      (await store().readStream(id, { fromVersion })).map((e) => e.globalPosition);
    const [untouchedHead] = await written(untouched);
    expect(result.streams).toEqual([
      { streamId: a, streamVersion: 3, position: (await written(a)).at(-1), positions: await written(a) },
      { streamId: b, streamVersion: 3, position: (await written(b)).at(-1), positions: await written(b, 2) },
      { streamId: untouched, streamVersion: 1, position: untouchedHead, positions: [] },
      { streamId: c, streamVersion: 4, position: (await written(c)).at(-1), positions: await written(c) },
    ]);
    const all = result.streams.flatMap((s) => s.positions);
    expect(new Set(all).size).toBe(9);
    expect(result.position).toBe(Math.max(...all));
    // the same across the single-event path and a stream appended to without events only
    const single = await store().appendToStream(a, [event('A4')], { expectedVersion: 3 });
    expect(single.streams[0]!.positions).toEqual(await written(a, 4));
    const none = await store().appendToStream(a, [], { expectedVersion: 4 });
    expect(none.streams[0]!.positions).toEqual([]);
  });
}

function allOrNothingTests({ store, stream, headCursor, readAllAfter }: EventStoreSuite): void {
  it('writes nothing to any stream when one expectation fails', async () => {
    const a = stream('a');
    const b = stream('b');
    const c = stream('c');
    await store().appendToStream(b, [event('B1'), event('B2')], { expectedVersion: 'no_stream' });
    const before = await headCursor();
    const error = await store()
      .appendToStreams([
        { streamId: a, events: [event('A1')], expectedVersion: 'no_stream' },
        { streamId: b, events: [event('B3')], expectedVersion: 1 },
        { streamId: c, events: [event('C1')], expectedVersion: 'any' },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamVersionConflict);
    expect((error as StreamVersionConflict).streamId).toBe(b);
    expect(await store().readStream(a)).toEqual([]);
    expect(await store().readStream(b)).toHaveLength(2);
    expect(await store().readStream(c)).toEqual([]);
    expect(await readAllAfter(before)).toEqual([]);
  });

  it('refuses the same stream twice in one append', async () => {
    const id = stream('twice');
    await expect(
      store().appendToStreams([
        { streamId: id, events: [event('A')], expectedVersion: 'any' },
        { streamId: id, events: [event('B')], expectedVersion: 'any' },
      ]),
    ).rejects.toThrow();
    expect(await store().readStream(id)).toEqual([]);
  });
}
