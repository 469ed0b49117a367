import { describe, expect, it } from 'vitest';
import type { Decider } from './decider.js';
import { CommandRejected, StreamVersionConflict } from './errors.js';
import type { EventStore } from './event-store.js';
import { handleCommand } from './handle-command.js';
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
    expect(result.streams).toEqual([{ streamId: 'counter-1', streamVersion: 1, position: 1, positions: [1] }]);
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
