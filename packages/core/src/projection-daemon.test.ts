import { afterEach, describe, expect, it } from 'vitest';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore, type InMemoryReadModel } from './in-memory-projection-store.js';
import type { ProjectionDefinition } from './projection.js';
import { createProjectionDaemon, type ProjectionDaemon } from './projection-daemon.js';

const counting = (handles = ['Counted']): ProjectionDefinition<InMemoryReadModel> => ({
  name: 'counts',
  version: 1,
  handles,
  apply: async (events, model) => {
    for (const event of events) model.set(event.streamId, ((model.get(event.streamId) as number | undefined) ?? 0) + 1);
  },
});

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('createProjectionDaemon', () => {
  const daemons: ProjectionDaemon[] = [];
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
  });
  const start = (daemon: ProjectionDaemon): ProjectionDaemon => {
    daemons.push(daemon);
    daemon.start();
    return daemon;
  };

  it('applies every event once, in batches, and passes over events it does not handle', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    for (let i = 0; i < 25; i++) {
      await eventStore.appendToStream(`s-${i % 3}`, [{ type: i % 5 === 0 ? 'Other' : 'Counted', data: {} }], { expectedVersion: 'any' });
    }
    start(createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], batchSize: 4 }));
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 25);
    const model = projectionStore.readModel('counts');
    expect([...model.values()].reduce((a, b) => (a as number) + (b as number), 0)).toBe(20);
  });

  it('wakes on appends made after it caught up, without waiting for the poll interval', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    start(createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], pollIntervalMs: 60_000 }));
    await until(() => projectionStore.readCheckpoints().then((c) => c.length === 1));
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    await until(() => projectionStore.readModel('counts').get('s') === 1, 1_000);
  });

  it('resumes from its checkpoint after a restart', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    const first = createProjectionDaemon({ eventStore, projectionStore, projections: [counting()] });
    first.start();
    await until(() => projectionStore.readModel('counts').get('s') === 1);
    await first.stop();
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    start(createProjectionDaemon({ eventStore, projectionStore, projections: [counting()] }));
    await until(() => projectionStore.readModel('counts').get('s') === 2);
  });

  it('retries a failing batch with backoff and applies it once it succeeds', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    let failures = 2;
    const flaky: ProjectionDefinition<InMemoryReadModel> = {
      ...counting(),
      apply: async (events, model) => {
        for (const event of events) model.set(event.streamId, ((model.get(event.streamId) as number | undefined) ?? 0) + 1);
        if (failures-- > 0) throw new Error('transient');
      },
    };
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    const daemon = start(createProjectionDaemon({ eventStore, projectionStore, projections: [flaky], retryBackoffMs: 5 }));
    await until(() => projectionStore.readModel('counts').get('s') === 1);
    expect(failures).toBe(-1);
    // the failed attempts left nothing behind: exactly one increment
    await new Promise((r) => setTimeout(r, 30));
    expect(projectionStore.readModel('counts').get('s')).toBe(1);
    expect(daemon.statuses()[0]).toMatchObject({ state: 'running', lastError: undefined });
  });

  it('runs a projection in one instance only; the standby takes over when the active one stops', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const active = createProjectionDaemon({ eventStore, projectionStore, projections: [counting()] });
    active.start();
    await until(() => active.statuses()[0]?.state === 'running');
    const standby = start(createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], leaseRetryMs: 10 }));
    await until(() => standby.statuses()[0]?.state === 'standby');
    await active.stop();
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    await until(() => projectionStore.readModel('counts').get('s') === 1);
    expect(standby.statuses()[0]?.state).toBe('running');
  });

  it('rejects two projections with one name', () => {
    expect(() =>
      createProjectionDaemon({ eventStore: inMemoryEventStore(), projectionStore: inMemoryProjectionStore(), projections: [counting(), counting()] }),
    ).toThrow(/two projections/);
  });
});
