import { describe, expect, it } from 'vitest';
import { createConsistencyGate } from './consistency.js';
import { InvalidCommand } from './errors.js';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore } from './in-memory-projection-store.js';
import { cursorOf } from './messages.js';
import type { ProjectionDefinition } from './projection.js';
import type { InMemoryReadModel } from './in-memory-projection-store.js';

const noop: ProjectionDefinition<InMemoryReadModel> = { name: 'p', version: 1, handles: [], apply: async () => {} };

async function setup() {
  const eventStore = inMemoryEventStore();
  const projectionStore = inMemoryProjectionStore();
  await projectionStore.prepare(noop);
  const gate = createConsistencyGate({ eventStore, projectionStore, pollIntervalMs: 5, snapshotMaxAgeMs: 0 });
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
  /** Stores that count the snapshot reads and can be told to stay silent about changes (a lost notification). */
  async function counted(options: { silent?: boolean; snapshotMaxAgeMs?: number; quietSnapshotMaxAgeMs?: number } = {}) {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await projectionStore.prepare(noop);
    let reads = 0;
    const subscribe = (listener: () => void) => (options.silent === true ? () => undefined : projectionStore.subscribe(listener));
    const gate = createConsistencyGate({
      eventStore: options.silent === true ? { ...eventStore, subscribe: () => () => undefined } : eventStore,
      projectionStore: {
        readCheckpoints: (names) => {
          reads++;
          return projectionStore.readCheckpoints(names);
        },
        subscribe,
      },
      snapshotMaxAgeMs: options.snapshotMaxAgeMs ?? 0,
      ...(options.quietSnapshotMaxAgeMs === undefined ? {} : { quietSnapshotMaxAgeMs: options.quietSnapshotMaxAgeMs }),
    });
    const append = () => eventStore.appendToStream('s', [{ type: 'E', data: {} }], { expectedVersion: 'any' });
    const applyAll = async () => {
      const [checkpoint] = await projectionStore.readCheckpoints(['p']);
      const last = (await eventStore.readAll({ after: checkpoint!.cursor, limit: 1_000 })).at(-1)!;
      await projectionStore.commitBatch('p', checkpoint!.cursor, { cursor: cursorOf(last), lastEventAt: last.recordedAt }, async () => {});
    };
    return { gate, append, applyAll, reads: () => reads };
  }

  it('reads checkpoints and head once while nothing changes, however many queries and however long', async () => {
    const { gate, reads } = await counted();
    for (let i = 0; i < 20; i++) {
      expect((await gate.freshness(['p'])).caughtUp).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // the first query starts listening and reads; the second reads once more, begun after listening started
    expect(reads()).toBeLessThanOrEqual(2);
  });

  it('reads again after an append or a checkpoint move is announced, and tells the truth about it', async () => {
    const { gate, append, applyAll, reads } = await counted();
    await gate.freshness(['p']);
    await gate.freshness(['p']);
    const before = reads();
    const { position } = await append();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: false, position: 0 });
    await applyAll();
    expect(await gate.freshness(['p'])).toMatchObject({ caughtUp: true, position });
    expect(reads()).toBe(before + 2);
  });

  it('does not trust a quiet snapshot longer than quietSnapshotMaxAgeMs (a change whose announcement was lost)', async () => {
    const { gate, append, reads } = await counted({ silent: true, quietSnapshotMaxAgeMs: 30 });
    await gate.freshness(['p']);
    await gate.freshness(['p']);
    await append();
    // unannounced: the quiet snapshot still answers at first
    expect((await gate.freshness(['p'])).caughtUp).toBe(true);
    const quietReads = reads();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await gate.freshness(['p'])).caughtUp).toBe(false);
    expect(reads()).toBe(quietReads + 1);
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
