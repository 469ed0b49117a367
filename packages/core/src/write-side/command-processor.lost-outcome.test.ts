// The command processor when an append's answer is lost with its connection: committed commands are found by their command id.
import { describe, expect, it } from 'vitest';
import { IdempotencyKeyUsed, OutcomeUnknown, StoreUnavailable } from '../errors.js';
import type { EventStore } from '../event-store.js';
import { inMemoryEventStore } from '../in-memory-event-store.js';
import type { Command, Event } from '../messages.js';
import { createCommandProcessor } from './command-processor.js';
import { singleStreamDecider } from './multi-stream-decider.js';
import { streamModel } from './stream-model.js';

type Counted = Event<'Counted', { by: number }>;
type Count = Command<'Count', { id: string; by: number }>;
const counter = streamModel<number, Counted>('counter', { initialState: 0, evolve: (state, event) => state + event.data.by });
const countDecider = singleStreamDecider('Count', counter, (c: Count) => `counter-${c.data.id}`, (c: Count): Counted[] => [{ type: 'Counted', data: { by: c.data.by } }]);
const count = (id: string, extra: Partial<Count['metadata']> = {}): Count => ({ type: 'Count', data: { id, by: 1 }, metadata: { now: new Date(0), correlationId: 'c', ...extra } });

/** A store whose next append loses its answer: after storing the events (`committed`) or without (`lost`). */
function losingStore(mode: 'committed' | 'lost' | 'never-sent', sessionEnded?: () => boolean): { store: EventStore; inner: EventStore } {
  const inner = inMemoryEventStore();
  let armed = true;
  const store: EventStore = {
    ...inner,
    async appendToStreams(appends, options) {
      if (!armed) return inner.appendToStreams(appends, options);
      armed = false;
      if (mode === 'committed') await inner.appendToStreams(appends, options);
      throw new StoreUnavailable('PostgreSQL is unavailable: Connection terminated unexpectedly', {
        statementSent: mode !== 'never-sent',
        ...(sessionEnded === undefined ? {} : { lostSession: '4242' }),
      });
    },
    ...(sessionEnded === undefined ? {} : { sessionEnded: async (session: string) => session === '4242' && sessionEnded() }),
  };
  return { store, inner };
}

describe('a command whose append answer was lost', () => {
  it('is answered with its stored positions when its events committed, and every event carries the command id', async () => {
    const { store, inner } = losingStore('committed');
    const processor = createCommandProcessor({ eventStore: store });
    const result = await processor.execute(countDecider, count('a', { commandId: 'cmd-1' }));
    const stored = await inner.readStream('counter-a');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.metadata.commandId).toBe('cmd-1');
    expect(result.position).toBe(stored[0]!.globalPosition);
    expect(result.streams).toEqual([{ streamId: 'counter-a', streamVersion: 1, position: stored[0]!.globalPosition, positions: [stored[0]!.globalPosition] }]);
    // the state cache forgot the stream: the next command decides on what is stored
    await processor.execute(countDecider, count('a'));
    expect((await inner.readStream('counter-a')).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('is OutcomeUnknown (not StoreUnavailable, which invites a retry) when its events are not found', async () => {
    const { store } = losingStore('lost');
    const processor = createCommandProcessor({ eventStore: store });
    const error = await processor.execute(countDecider, count('a', { commandId: 'cmd-2' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect((error as OutcomeUnknown).details).toEqual({ commandId: 'cmd-2' });
  });

  it('is StoreUnavailable (nothing happened, retry) when its lost session has ended and its events are not found', async () => {
    const { store, inner } = losingStore('lost', () => true);
    const processor = createCommandProcessor({ eventStore: store });
    const error = await processor.execute(countDecider, count('a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).not.toBeInstanceOf(OutcomeUnknown);
    expect(await inner.readStream('counter-a')).toEqual([]);
  });

  it('waits for the lost session to end, and is OutcomeUnknown when it does not within outcomeLookupMs', async () => {
    let checks = 0;
    const { store } = losingStore('lost', () => ++checks > 2);
    const waited = await createCommandProcessor({ eventStore: store }).execute(countDecider, count('a')).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(StoreUnavailable);
    expect(checks).toBe(3);
    const { store: never } = losingStore('lost', () => false);
    const unknown = await createCommandProcessor({ eventStore: never, outcomeLookupMs: 200 }).execute(countDecider, count('a')).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OutcomeUnknown);
  });

  it('is OutcomeUnknown within outcomeLookupMs when the look-up itself never answers (a partition)', async () => {
    const { store } = losingStore('lost', () => false);
    const silent: EventStore = { ...store, findCommands: () => new Promise(() => undefined) };
    const started = Date.now();
    const error = await createCommandProcessor({ eventStore: silent, outcomeLookupMs: 200 }).execute(countDecider, count('a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknown);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is OutcomeUnknown when the store cannot look commands up', async () => {
    const { store } = losingStore('committed');
    const processor = createCommandProcessor({ eventStore: { ...store, findCommands: undefined } as EventStore });
    await expect(processor.execute(countDecider, count('a'))).rejects.toBeInstanceOf(OutcomeUnknown);
  });

  it('stays StoreUnavailable when the append was never sent', async () => {
    const { store } = losingStore('never-sent');
    const processor = createCommandProcessor({ eventStore: store });
    const error = await processor.execute(countDecider, count('a')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(error).not.toBeInstanceOf(OutcomeUnknown);
  });

  it('draws a command id when the caller gave none', async () => {
    const inner = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: inner });
    await processor.execute(countDecider, count('a'));
    await processor.execute(countDecider, count('a'));
    const ids = (await inner.readStream('counter-a')).map((e) => e.metadata.commandId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });
});

describe('idempotency keys through the command processor', () => {
  const keyed = (id: string, key: string): Count => count(id, { idempotency: { scope: 'count', key, requestHash: 'h' } });

  it('appends a key once: a second command with it is refused with IdempotencyKeyUsed and appends nothing', async () => {
    const inner = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: inner });
    await processor.execute(countDecider, keyed('a', 'k'));
    await expect(processor.execute(countDecider, keyed('a', 'k'))).rejects.toBeInstanceOf(IdempotencyKeyUsed);
    expect(await inner.readStream('counter-a')).toHaveLength(1);
  });

  it('of concurrent commands with one key (batched together or not), exactly one appends; the others are refused, not failed', async () => {
    const inner = inMemoryEventStore();
    const processor = createCommandProcessor({ eventStore: inner });
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, () => processor.execute(countDecider, keyed('b', 'same'))),
      processor.execute(countDecider, count('b')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => r.reason instanceof IdempotencyKeyUsed)).toBe(true);
    expect(await inner.readStream('counter-b')).toHaveLength(2);
  });
});
