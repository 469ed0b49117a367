import { describe, expect, it } from 'vitest';
import { createConsistencyGate } from './consistency.js';
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

  it('treats a token that names no event as not reached', async () => {
    const { gate } = await setup();
    expect((await gate.waitFor(['p'], 99, 20)).caughtUp).toBe(false);
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
