import { describe, expect, it } from 'vitest';
import { CommandRejected, IllegalTransition, StoreUnavailable } from '../errors.js';
import type { EventStore } from '../event-store.js';
import { inMemoryEventStore } from '../in-memory-event-store.js';
import type { Command, Event } from '../messages.js';
import { createCommandProcessor } from './command-processor.js';
import { multiStreamDecider, singleStreamDecider } from './multi-stream-decider.js';
import { streamModel } from './stream-model.js';

type Counted = Event<'Counted', { by: number }>;
type Count = Command<'Count', { id: string; by: number; max: number }>;
const counter = streamModel<number, Counted>('counter', { initialState: 0, evolve: (state, event) => state + event.data.by });
const decideCount = (command: Count, state: number): Counted[] => {
  if (state + command.data.by > command.data.max) throw new CommandRejected('over_max', 'too many', { state });
  return [{ type: 'Counted', data: { by: command.data.by } }];
};
const countDecider = singleStreamDecider('Count', counter, (command: Count) => `counter-${command.data.id}`, decideCount);
const metadata = { now: new Date(0), correlationId: 'c-1' };
const count = (id: string, by = 1, max = 1_000): Count => ({ type: 'Count', data: { id, by, max }, metadata });

type Move = Command<'Move', { from: string; to: string; by: number }>;
/** Takes from one counter, adds to another, and notes it blind on a ledger. */
const moveDecider = multiStreamDecider<Move>({
  name: 'Move',
  reads: ({ data }) => [
    { model: counter, streamId: data.from },
    { model: counter, streamId: data.to },
  ],
  decide: ({ data }, read) => {
    if (read(counter, data.from) < data.by) throw new CommandRejected('insufficient', `${data.from} holds too little`);
    read(counter, data.to);
    return [
      { streamId: data.from, events: [{ type: 'Counted', data: { by: -data.by } }] },
      { streamId: data.to, events: [{ type: 'Counted', data: { by: data.by } }] },
      { streamId: 'ledger', events: [{ type: 'Moved', data }], expectedVersion: 'any' },
    ];
  },
});
const move = (from: string, to: string, by: number): Move => ({ type: 'Move', data: { from, to, by }, metadata });

describe('createCommandProcessor', () => {
  it('appends a multi-stream decision atomically, each stream at the version read, blind writes unchecked', async () => {
    const store = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: store });
    await processor.execute(countDecider, count('a', 5));
    const result = await processor.execute(moveDecider, move('counter-a', 'counter-b', 2));
    expect(result.streams.map((s) => [s.streamId, s.streamVersion])).toEqual([
      ['counter-a', 2],
      ['counter-b', 1],
      ['ledger', 1],
    ]);
    expect(result.position).toBe(4);
    await expect(processor.execute(moveDecider, move('counter-a', 'counter-b', 9))).rejects.toMatchObject({ code: 'insufficient' });
    expect((await store.readStream('counter-b')).map((e) => e.data)).toEqual([{ by: 2 }]);
  });

  it('groups concurrent commands on one stream into few appends, each answered with its own version and position', async () => {
    const store = inMemoryEventStore();
    let appends = 0;
    const counting: EventStore = { ...store, appendToStreams: (a) => (appends++, store.appendToStreams(a)) };
    const processor = createCommandProcessor({ eventStore: counting });
    const results = await Promise.all(Array.from({ length: 50 }, () => processor.execute(countDecider, count('hot'))));
    expect(new Set(results.map((r) => r.position)).size).toBe(50);
    expect(results.map((r) => r.streams[0]!.streamVersion).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const events = await store.readStream('counter-hot');
    for (const result of results) expect(events[result.streams[0]!.streamVersion - 1]!.globalPosition).toBe(result.position);
    expect(appends).toBeLessThan(5);
  });

  it('never lets a batch exceed a limit: each command sees the ones decided before it', async () => {
    const processor = createCommandProcessor({ eventStore: inMemoryEventStore() });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => processor.execute(countDecider, count('x', 1, 10))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof CommandRejected)).toBe(true);
  });

  it('answers a command queued behind a failing command for the same stream', async () => {
    const processor = createCommandProcessor({ eventStore: inMemoryEventStore() });
    const [failing, next] = await Promise.allSettled([processor.execute(countDecider, count('s', 5, 1)), processor.execute(countDecider, count('s', 1, 1))]);
    expect(failing.status).toBe('rejected');
    expect(next).toMatchObject({ status: 'fulfilled', value: { streams: [{ streamVersion: 1 }] } });
  });

  it('isolates a command whose append the store refuses: its neighbours in the batch still land', async () => {
    const store = inMemoryEventStore();
    const refusing: EventStore = {
      ...store,
      appendToStreams: async (appends) => {
        if (appends.some((a) => a.events.some((e) => (e.data as { by: number }).by === 13))) throw new Error('value refused by the database');
        return store.appendToStreams(appends);
      },
    };
    const processor = createCommandProcessor({ eventStore: refusing });
    const results = await Promise.allSettled([1, 13, 2].map((by) => processor.execute(countDecider, count(`n${by}`, by))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.readStream('counter-n13')).toHaveLength(0);
  });

  it('runs a command of a refused batch once, also when alone it must wait for a stream another batch holds', async () => {
    const store = inMemoryEventStore();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let refused = false;
    const refusing: EventStore = {
      ...store,
      appendToStreams: async (appends) => {
        const streams = appends.map((a) => a.streamId);
        if (streams.includes('counter-p') && streams.includes('counter-q')) {
          refused = true;
          throw new Error('value refused by the database');
        }
        if (streams.includes('counter-held') && !refused) await held;
        return store.appendToStreams(appends);
      },
    };
    // writes to q, until the store refused its batch: then it reads and writes the stream the slow batch holds
    const target = (): string => (refused ? 'counter-held' : 'counter-q');
    const shifting = multiStreamDecider<Move>({
      name: 'Shifting',
      reads: () => [{ model: counter, streamId: target() }],
      decide: (_, read) => {
        const streamId = target();
        read(counter, streamId);
        return [{ streamId, events: [{ type: 'Counted', data: { by: 1 } }] }];
      },
    });
    const processor = createCommandProcessor({ eventStore: refusing, maxBatchesInFlight: 2 });
    const slow = processor.execute(countDecider, count('held'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const batch = Promise.allSettled([processor.execute(countDecider, count('p')), processor.execute(shifting, move('x', 'y', 1))]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await slow;
    expect((await batch).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    await processor.close();
    // the slow command's event and the shifting command's, once each
    expect(await store.readStream('counter-held')).toHaveLength(2);
  });

  it('fails every command of a batch whose append outcome is unknown, and forgets the states it cached', async () => {
    const store = inMemoryEventStore();
    let down = false;
    const flaky: EventStore = { ...store, appendToStreams: (a) => (down ? Promise.reject(new StoreUnavailable('gone')) : store.appendToStreams(a)) };
    const processor = createCommandProcessor({ eventStore: flaky });
    await processor.execute(countDecider, count('u'));
    down = true;
    const results = await Promise.allSettled([processor.execute(countDecider, count('u')), processor.execute(countDecider, count('v'))]);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreUnavailable)).toBe(true);
    down = false;
    const before = processor.counters.eventsRead;
    await processor.execute(countDecider, count('u'));
    expect(processor.counters.eventsRead - before).toBe(1);
  });

  it('after a conflict with another writer reads only the tail after its cached version', async () => {
    const store = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: store });
    for (let i = 0; i < 100; i++) await processor.execute(countDecider, count('t'));
    const other = createCommandProcessor({ eventStore: store });
    await other.execute(countDecider, count('t'));
    await other.execute(countDecider, count('t'));
    const before = processor.counters.eventsRead;
    const result = await processor.execute(countDecider, count('t'));
    expect(result.streams[0]!.streamVersion).toBe(103);
    expect(processor.counters.conflicts).toBe(1);
    expect(processor.counters.eventsRead - before).toBe(2);
  });

  it('re-checks a refusal decided on a cached state against the log before answering it', async () => {
    const store = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: store });
    await processor.execute(countDecider, count('r', 9, 10));
    // another process takes the counter back down; this processor's cache still says 9
    await store.appendToStream('counter-r', [{ type: 'Counted', data: { by: -9 } }], { expectedVersion: 1 });
    await expect(processor.execute(countDecider, count('r', 5, 10))).resolves.toMatchObject({ streams: [{ streamVersion: 3 }] });
  });

  it('loads a stream its decision reads without declaring it, and decides again', async () => {
    const store = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: store });
    await processor.execute(countDecider, count('d', 4));
    const sumInto = multiStreamDecider<Move>({
      name: 'SumInto',
      decide: ({ data }, read) => [{ streamId: data.to, events: [{ type: 'Counted', data: { by: read(counter, data.from) + read(counter, data.to) } }] }],
    });
    await processor.execute(sumInto, move('counter-d', 'counter-e', 0));
    expect((await store.readStream('counter-e')).map((e) => e.data)).toEqual([{ by: 4 }]);
  });

  it('takes a stream it creates to be new without reading it; if it exists after all, decides again on what is stored', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('thing-1', [{ type: 'Counted', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const create = multiStreamDecider<Count>({
      name: 'Create',
      reads: ({ data }) => [{ model: counter, streamId: `thing-${data.id}`, creates: true }],
      decide: ({ data }, read) => {
        if (read(counter, `thing-${data.id}`) !== 0) throw new IllegalTransition('thing', 'created', 'create');
        return [{ streamId: `thing-${data.id}`, events: [{ type: 'Counted', data: { by: 1 } }] }];
      },
    });
    const processor = createCommandProcessor({ eventStore: store });
    const before = processor.counters.eventsRead;
    await processor.execute(create, count('2'));
    expect(processor.counters.eventsRead).toBe(before);
    await expect(processor.execute(create, count('1'))).rejects.toBeInstanceOf(IllegalTransition);
  });

  it('refuses a decision that writes to a stream it did not read, unless the write is blind', async () => {
    const processor = createCommandProcessor({ eventStore: inMemoryEventStore() });
    const sneaky = multiStreamDecider<Count>({ name: 'Sneaky', decide: () => [{ streamId: 'elsewhere', events: [{ type: 'X', data: {} }] }] });
    await expect(processor.execute(sneaky, count('z'))).rejects.toThrow(/without reading it/);
  });

  it('answers a decision that writes nothing with the newest position it read', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('counter-p', [{ type: 'Counted', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    await store.appendToStream('counter-q', [{ type: 'Counted', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const noop = multiStreamDecider<Move>({ name: 'Noop', decide: ({ data }, read) => (read(counter, data.from), read(counter, data.to), []) });
    const result = await createCommandProcessor({ eventStore: store }).execute(noop, move('counter-p', 'counter-q', 0));
    expect(result.position).toBe(2);
    expect(await store.head()).toMatchObject({ cursor: { position: 2 } });
  });

  it('lets a command read a stream that an earlier command of its batch wrote blind, and see that write', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('counter-l', [{ type: 'Counted', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const blind = multiStreamDecider<Count>({ name: 'Blind', decide: () => [{ streamId: 'counter-l', events: [{ type: 'Counted', data: { by: 10 } }], expectedVersion: 'any' }] });
    // declares nothing: counter-l is loaded when first read, after the blind write was decided
    const undeclared = multiStreamDecider<Count>({ name: 'Undeclared', decide: (command, read) => [{ streamId: 'counter-l', events: decideCount(command, read(counter, 'counter-l')) }] });
    const processor = createCommandProcessor({ eventStore: store });
    const [, , checked] = await Promise.all([
      processor.execute(countDecider, count('warm')),
      processor.execute(blind, count('l')),
      processor.execute(undeclared, count('l', 1, 12)),
    ]);
    expect(checked.streams[0]!.streamVersion).toBe(3);
    await expect(processor.execute(undeclared, count('l', 1, 12))).rejects.toBeInstanceOf(CommandRejected);
  });

  it('appends batches in flight at once, never two on one stream: every command lands exactly once, in order per stream', async () => {
    const store = inMemoryEventStore();
    let inFlight = 0;
    let most = 0;
    const slow: EventStore = {
      ...store,
      appendToStreams: async (appends) => {
        most = Math.max(most, ++inFlight);
        const touched = appends.map((a) => a.streamId);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        expect(new Set(touched).size).toBe(touched.length);
        return store.appendToStreams(appends);
      },
    };
    const processor = createCommandProcessor({ eventStore: slow, maxBatchesInFlight: 3, maxBatchSize: 4 });
    for (let c = 0; c < 40; c++) await processor.execute(countDecider, count(String(c), 1_000, 1_000_000));
    const commands = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? moveDecider : countDecider));
    const results = await Promise.allSettled(
      commands.map((decider, i) =>
        decider === moveDecider
          ? processor.execute(moveDecider, move(`counter-${i % 40}`, `counter-${(i + 7) % 40}`, 1))
          : processor.execute(countDecider, count(String(i % 40), 5, 1_000_000)),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(most).toBeGreaterThan(1);
    expect(processor.counters.conflicts).toBe(0);
    // every counter's stream is dense and its events are those answered
    let total = 0;
    for (let c = 0; c < 40; c++) {
      const events = await store.readStream(`counter-${c}`);
      expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1));
      total += events.length;
    }
    expect(total).toBe(40 + 80 + 40 * 2);
  });

  it('refuses commands after close, once the queued ones are done', async () => {
    const processor = createCommandProcessor({ eventStore: inMemoryEventStore() });
    const queued = processor.execute(countDecider, count('c'));
    await processor.close();
    await expect(queued).resolves.toMatchObject({ position: 1 });
    await expect(processor.execute(countDecider, count('c'))).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
