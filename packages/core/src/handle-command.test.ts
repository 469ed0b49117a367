import { describe, expect, it } from 'vitest';
import type { Decider } from './decider.js';
import { CommandRejected, StreamVersionConflict } from './errors.js';
import type { EventStore } from './event-store.js';
import { handleCommand, handleMultiStreamCommand } from './handle-command.js';
import { inMemoryEventStore } from './in-memory-event-store.js';
import type { Command, Event } from './messages.js';

type Counted = Event<'Counted', { by: number }>;
type Count = Command<'Count', { by: number; max: number }>;
const counter: Decider<number, Count, Counted> = {
  initialState: 0,
  evolve: (state, event) => state + event.data.by,
  decide: (command, state) => {
    if (state + command.data.by > command.data.max) throw new CommandRejected('over_max', 'too many');
    return [{ type: 'Counted', data: { by: command.data.by } }];
  },
};
const metadata = { now: new Date(0), correlationId: 'c-1', actor: 'tester' };
const count = (by: number, max = 1_000): Count => ({ type: 'Count', data: { by, max }, metadata });

describe('handleCommand', () => {
  it('appends the decided events with the command metadata', async () => {
    const store = inMemoryEventStore();
    const result = await handleCommand(store, counter, 'counter-1', count(2));
    expect(result.streams).toEqual([{ streamId: 'counter-1', streamVersion: 1, position: 1 }]);
    const [event] = await store.readStream('counter-1');
    expect(event?.metadata).toMatchObject({ correlationId: 'c-1', causationId: 'c-1', actor: 'tester' });
  });

  it('serializes concurrent commands on one stream through conflicts and retries', async () => {
    const store = inMemoryEventStore();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => handleCommand(store, counter, 'c', count(1, 10))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.every((r) => r.reason instanceof CommandRejected)).toBe(true);
    expect(await store.readStream('c')).toHaveLength(10);
  });

  it('gives up with the conflict after maxAttempts', async () => {
    const base = inMemoryEventStore();
    let attempts = 0;
    const alwaysConflicting: EventStore = {
      ...base,
      appendToStreams: async () => {
        attempts++;
        throw new StreamVersionConflict('c', 0, 1);
      },
    };
    await expect(handleCommand(alwaysConflicting, counter, 'c', count(1), { maxAttempts: 3 })).rejects.toBeInstanceOf(StreamVersionConflict);
    expect(attempts).toBe(3);
  });
});

describe('handleMultiStreamCommand', () => {
  it('appends to every stream atomically with the versions it read', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('a', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' });
    const result = await handleMultiStreamCommand(
      store,
      ['a', 'b'],
      (streams) => [
        { streamId: 'a', events: [{ type: 'Y', data: { seen: streams.get('a')?.version } }] },
        { streamId: 'b', events: [{ type: 'Z', data: {} }] },
      ],
      metadata,
    );
    expect(result.streams.map((s) => [s.streamId, s.streamVersion])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(result.position).toBe(3);
    expect((await store.readStream('a'))[1]?.data).toEqual({ seen: 1 });
  });

  it('appends to a stream it did not load when the write says any, never conflicting on it', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('ledger', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        handleMultiStreamCommand(
          store,
          [`order-${i}`],
          () => [
            { streamId: `order-${i}`, events: [{ type: 'Paid', data: {} }] },
            { streamId: 'ledger', events: [{ type: 'Charged', data: { i } }], expectedVersion: 'any' },
          ],
          metadata,
          { maxAttempts: 1 },
        ),
      ),
    );
    expect(results).toHaveLength(5);
    expect(await store.readStream('ledger')).toHaveLength(6);
  });

  it('refuses to write to a stream it did not load', async () => {
    const store = inMemoryEventStore();
    await expect(
      handleMultiStreamCommand(store, ['a'], () => [{ streamId: 'b', events: [{ type: 'Z', data: {} }] }], metadata),
    ).rejects.toThrow(/did not load/);
  });

  it('answers a decision that writes nothing with the newest position it read', async () => {
    const store = inMemoryEventStore();
    await store.appendToStream('a', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' });
    await store.appendToStream('b', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' });
    const result = await handleMultiStreamCommand(store, ['a', 'b'], () => [], metadata);
    expect(result.position).toBe(2);
    expect(await store.head()).toMatchObject({ cursor: { position: 2 } });
  });
});
