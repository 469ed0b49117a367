import { describe, expect, it } from 'vitest';
import { createConsistencyGate } from './consistency.js';
import { InvalidCommand, Overloaded } from './errors.js';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore } from './in-memory-projection-store.js';
import { cursorOf } from './messages.js';
import type { ProjectionDefinition } from './projection.js';
import type { InMemoryReadModel } from './in-memory-projection-store.js';

const noop: ProjectionDefinition<InMemoryReadModel> = { name: 'p', version: 1, handles: [], apply: async () => {} };

async function setup(options: { maxWaiters?: number } = {}) {
  const eventStore = inMemoryEventStore();
  const projectionStore = inMemoryProjectionStore();
  await projectionStore.prepare(noop);
  const gate = createConsistencyGate({ eventStore, projectionStore, pollIntervalMs: 5, ...options });
  const append = () => eventStore.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'any' });
  const applyUpTo = async (position: number) => {
    const [checkpoint] = await projectionStore.readCheckpoints(['p']);
    const events = await eventStore.readAll({ after: checkpoint!.cursor, limit: 1_000 });
    const last = events.filter((e) => e.globalPosition <= position).at(-1)!;
    await projectionStore.commitBatch('p', checkpoint!.cursor, { cursor: cursorOf(last), lastEventAt: last.recordedAt }, async () => {});
  };
  return { gate, append, applyUpTo };
}

describe('createConsistencyGate', () => {
  it('waits until the projection applies the token, then reports caught-up', async () => {
    const { gate, append, applyUpTo } = await setup();
    const { position } = await append();
    setTimeout(() => void applyUpTo(position), 30);
    const freshness = await gate.waitFor(['p'], position, 2_000);
    expect(freshness).toMatchObject({ caughtUp: true, position });
  });

  it('reports stale when the wait times out, with the time the model is complete to', async () => {
    const { gate, append, applyUpTo } = await setup();
    const first = await append();
    await applyUpTo(first.position);
    const second = await append();
    const started = Date.now();
    const freshness = await gate.waitFor(['p'], second.position, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(freshness.caughtUp).toBe(false);
    expect(freshness.position).toBe(first.position);
    expect(freshness.asOf.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('refuses at once a token that names no event of the store, looking it up once instead of polling', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await projectionStore.prepare(noop);
    let lookups = 0;
    const counting = { ...eventStore, cursorAt: (position: number) => (lookups++, eventStore.cursorAt(position)) };
    const gate = createConsistencyGate({ eventStore: counting, projectionStore, pollIntervalMs: 1 });
    await eventStore.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'any' });
    await expect(gate.waitFor(['p'], 9_007_199_254_740_991, 30_000)).rejects.toSatisfy((e) => e instanceof InvalidCommand && e.details.field === 'X-Min-Position');
    expect(lookups).toBe(1);
  });

  it('answers a reached token with a position at or past it, even when the checkpoint past it in log order carries a lower number', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await projectionStore.prepare(noop);
    // on PostgreSQL, position 15 can commit in transaction 100 before position 12 commits in transaction 101
    const reordered = { ...eventStore, cursorAt: async (position: number) => (position === 15 ? { transactionId: 100, position: 15 } : eventStore.cursorAt(position)) };
    const gate = createConsistencyGate({ eventStore: reordered, projectionStore, pollIntervalMs: 5 });
    await projectionStore.commitBatch('p', { transactionId: 0, position: 0 }, { cursor: { transactionId: 101, position: 12 }, lastEventAt: new Date() }, async () => {});
    expect(await gate.waitFor(['p'], 15, 1_000)).toMatchObject({ caughtUp: true, position: 15 });
    gate.close();
  });

  it('without a token, is caught up only when every projection used is at the head', async () => {
    const { gate, append, applyUpTo } = await setup();
    expect((await gate.freshness(['p'])).caughtUp).toBe(true);
    const { position } = await append();
    expect((await gate.freshness(['p'])).caughtUp).toBe(false);
    await applyUpTo(position);
    expect((await gate.freshness(['p'])).caughtUp).toBe(true);
    expect((await gate.freshness(['p', 'unknown'])).caughtUp).toBe(false);
  });
});

describe('createConsistencyGate, queries without a token', () => {
  /** Stores that count the reads of checkpoints, and can be told to stay silent (a lost notification) or to say nothing of what moved (Redis). */
  async function counted(options: { announcements?: 'with-moves' | 'without-moves' | 'none'; resyncIntervalMs?: number } = {}) {
    const { announcements = 'with-moves' } = options;
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await projectionStore.prepare(noop);
    let reads = 0;
    const gate = createConsistencyGate({
      eventStore: {
        ...eventStore,
        subscribe: (listener) =>
          announcements === 'none' ? () => undefined : eventStore.subscribe((head) => listener(announcements === 'with-moves' ? head : undefined)),
      },
      projectionStore: {
        readCheckpoints: (names) => {
          reads++;
          return projectionStore.readCheckpoints(names);
        },
        subscribe: (listener) =>
          announcements === 'none' ? () => undefined : projectionStore.subscribe((moves) => listener(announcements === 'with-moves' ? moves : undefined)),
      },
      ...(options.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: options.resyncIntervalMs }),
    });
    const append = () => eventStore.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'any' });
    const applyAll = async () => {
      const [checkpoint] = await projectionStore.readCheckpoints(['p']);
      const last = (await eventStore.readAll({ after: checkpoint!.cursor, limit: 1_000 })).at(-1)!;
      await projectionStore.commitBatch('p', checkpoint!.cursor, { cursor: cursorOf(last), lastEventAt: last.recordedAt }, async () => {});
    };
    return { gate, append, applyAll, reads: () => reads };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('reads checkpoints and head once, however many queries', async () => {
    const { gate, reads } = await counted();
    for (let i = 0; i < 20; i++) {
      expect((await gate.freshness(['p'])).caughtUp).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(reads()).toBe(1);
  });

  it('learns appends and checkpoint moves from their announcements, without reading the stores', async () => {
    const { gate, append, applyAll, reads } = await counted();
    await gate.freshness(['p']);
    const { position } = await append();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: false, position: 0 });
    await applyAll();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: true, position });
    expect(reads()).toBe(1);
  });

  it('reads the stores again when an announcement does not say what moved', async () => {
    const { gate, append, applyAll, reads } = await counted({ announcements: 'without-moves' });
    await gate.freshness(['p']);
    const { position } = await append();
    await settle();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: false, position: 0 });
    await applyAll();
    await settle();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: true, position });
    expect(reads()).toBe(3);
  });

  it('finds a change whose announcement was lost within resyncIntervalMs, reading in the background', async () => {
    const { gate, append, reads } = await counted({ announcements: 'none', resyncIntervalMs: 30 });
    await gate.freshness(['p']);
    await append();
    // unannounced: memory still answers, behind the truth, never ahead of it
    expect((await gate.freshness(['p'])).caughtUp).toBe(true);
    expect(reads()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 40));
    // this query asks for a read and is answered at once from memory; the next sees what the read found
    await gate.freshness(['p']);
    await settle();
    expect((await gate.freshness(['p'])).caughtUp).toBe(false);
    expect(reads()).toBe(2);
  });
});

describe('createConsistencyGate, many waiters', () => {
  it('costs one read of the stores per poll interval, however many wait, and wakes them all with one move', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await projectionStore.prepare(noop);
    let reads = 0;
    let lookups = 0;
    const gate = createConsistencyGate({
      eventStore: { ...eventStore, cursorAt: (position: number) => (lookups++, eventStore.cursorAt(position)) },
      projectionStore: { readCheckpoints: (names) => (reads++, projectionStore.readCheckpoints(names)), subscribe: (l) => projectionStore.subscribe(l) },
      pollIntervalMs: 20,
    });
    const { position } = await eventStore.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'any' });
    const waits = Array.from({ length: 300 }, () => gate.waitFor(['p'], position, 5_000));
    await new Promise((resolve) => setTimeout(resolve, 110));
    // 1 first read + about one per 20 ms, not 300 per poll
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(reads).toBeLessThanOrEqual(8);
    expect(lookups).toBe(1);
    const last = (await eventStore.readAll({ after: { transactionId: 0, position: 0 }, limit: 10 })).at(-1)!;
    const [checkpoint] = await projectionStore.readCheckpoints(['p']);
    const started = Date.now();
    await projectionStore.commitBatch('p', checkpoint!.cursor, { cursor: cursorOf(last), lastEventAt: last.recordedAt }, async () => {});
    const answers = await Promise.all(waits);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(answers.every((a) => a.caughtUp && a.position === position)).toBe(true);
  });

  it('refuses a wait beyond maxWaiters with Overloaded, and takes waits again once some end', async () => {
    const { gate, append } = await setup({ maxWaiters: 3 });
    const { position } = await append();
    const waits = Array.from({ length: 3 }, () => gate.waitFor(['p'], position, 60));
    await expect(gate.waitFor(['p'], position, 60)).rejects.toBeInstanceOf(Overloaded);
    await Promise.all(waits);
    expect((await gate.waitFor(['p'], position, 10)).caughtUp).toBe(false);
  });
});

describe('createConsistencyGate, cancelled', () => {
  it('stops waiting when the signal aborts (a client that hung up)', async () => {
    const { gate, append } = await setup();
    const { position } = await append();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    const freshness = await gate.waitFor(['p'], position, 5_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(freshness.caughtUp).toBe(false);
  });
});
