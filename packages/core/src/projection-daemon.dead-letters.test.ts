import { afterEach, describe, expect, it } from 'vitest';
import { inMemoryEventStore } from './in-memory-event-store.js';
import { inMemoryProjectionStore, type InMemoryReadModel } from './in-memory-projection-store.js';
import type { ProjectionDefinition } from './projection.js';
import { listing, until } from './projection-daemon.fixture.js';
import { createProjectionDaemon, type ProjectionDaemon } from './projection-daemon.js';

describe('poison events', () => {
  const daemons: ProjectionDaemon[] = [];
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
  });

  async function setup(extra: Partial<ProjectionDefinition<InMemoryReadModel>> = {}) {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const poison = new Set([13]);
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [listing(poison, extra)], retryBackoffMs: 1, batchSize: 4, pollIntervalMs: 10 });
    daemons.push(daemon);
    const add = (stream: string, value: number) => eventStore.appendToStream(stream, [{ type: 'Added', data: { value } }], { expectedVersion: 'any' });
    return { eventStore, projectionStore, poison, daemon, add };
  }

  it('parks the poison event and the later events of its stream, while other streams keep flowing', async () => {
    const { projectionStore, daemon, add } = await setup();
    await add('a', 1);
    await add('b', 10);
    await add('a', 13);
    await add('b', 11);
    await add('a', 2);
    const last = await add('b', 12);
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === last.position);
    const model = projectionStore.readModel('lists');
    expect(model.get('a')).toEqual([1]);
    expect(model.get('b')).toEqual([10, 11, 12]);
    const letters = await projectionStore.readDeadLetters('lists');
    expect(letters.map((l) => (l.event.data as { value: number }).value)).toEqual([13, 2]);
    expect(letters[0]!.error).toBe('cannot take 13');
    expect(letters[1]!.error).toMatch(/parked behind/);
    expect((await projectionStore.readCheckpoints())[0]?.deadLetterCount).toBe(2);
  });

  it('applies the parked events in order when retried after the fix, and unparks the stream', async () => {
    const { projectionStore, daemon, add, poison } = await setup();
    await add('a', 1);
    await add('a', 13);
    await add('a', 2);
    daemon.start();
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 2);
    poison.clear();
    await projectionStore.requestDeadLetterRetry('lists');
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 0);
    expect(projectionStore.readModel('lists').get('a')).toEqual([1, 13, 2]);
    await add('a', 3);
    await until(() => (projectionStore.readModel('lists').get('a') as number[]).length === 4);
    expect(projectionStore.readModel('lists').get('a')).toEqual([1, 13, 2, 3]);
    expect((await projectionStore.readCheckpoints())[0]?.retryRequested).toBe(false);
  });

  it('keeps a letter that fails again, with its new error, and the stream parked', async () => {
    const { projectionStore, daemon, add } = await setup();
    await add('a', 13);
    await add('a', 2);
    daemon.start();
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 2);
    await projectionStore.requestDeadLetterRetry('lists');
    await until(async () => (await projectionStore.readCheckpoints())[0]?.retryRequested === false);
    expect((await projectionStore.readDeadLetters('lists')).length).toBe(2);
    await add('a', 3);
    await until(async () => (await projectionStore.readDeadLetters('lists')).length === 3);
    expect(projectionStore.readModel('lists').get('a')).toBeUndefined();
  });

  it('with onPoisonEvent stop, stops at the poison event, pauses, and applies nothing after it', async () => {
    const { projectionStore, daemon, add, poison } = await setup({ onPoisonEvent: 'stop' });
    await add('a', 1);
    await add('a', 13);
    await add('b', 5);
    daemon.start();
    await until(() => daemon.statuses()[0]?.state === 'failed');
    expect(daemon.statuses()[0]?.lastError).toBe('cannot take 13');
    expect((await projectionStore.readCheckpoints())[0]).toMatchObject({ paused: true, cursor: { position: 1 } });
    expect(projectionStore.readModel('lists').get('b')).toBeUndefined();
    poison.clear();
    await projectionStore.setPaused('lists', false);
    await until(() => projectionStore.readModel('lists').get('b') !== undefined);
    expect(projectionStore.readModel('lists').get('a')).toEqual([1, 13]);
    expect(await projectionStore.readDeadLetters('lists')).toEqual([]);
  });

  it('lets a stream flow again once an operator drops its dead letters', async () => {
    const { projectionStore, daemon, add } = await setup();
    await add('a', 1);
    await add('a', 13);
    const parked = await add('a', 2);
    daemon.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === parked.position);
    expect((await projectionStore.readDeadLetters('lists')).length).toBe(2);
    expect(await projectionStore.dropDeadLetters('lists')).toBe(2);
    await until(async () => (await projectionStore.readCheckpoints())[0]?.deadLetterCount === 0 || (await projectionStore.readDeadLetters('lists')).length === 0);
    await new Promise((r) => setTimeout(r, 50)); // the runner hears of the drop
    const later = await add('a', 3);
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === later.position);
    // the dropped events are skipped for good; what follows is applied, not parked behind them
    expect(projectionStore.readModel('lists').get('a')).toEqual([1, 3]);
    expect(await projectionStore.readDeadLetters('lists')).toEqual([]);
  });
});

describe('pause and resume', () => {
  it('applies nothing while paused and catches up on resume', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [listing(new Set())], pollIntervalMs: 10 });
    daemon.start();
    try {
      await until(async () => (await projectionStore.readCheckpoints()).length === 1);
      await projectionStore.setPaused('lists', true);
      await until(() => daemon.statuses()[0]?.state === 'paused');
      await eventStore.appendToStream('a', [{ type: 'Added', data: { value: 1 } }], { expectedVersion: 'any' });
      await new Promise((r) => setTimeout(r, 60));
      expect(projectionStore.readModel('lists').get('a')).toBeUndefined();
      await projectionStore.setPaused('lists', false);
      await until(() => projectionStore.readModel('lists').get('a') !== undefined);
      expect(daemon.statuses()[0]?.state).toBe('running');
    } finally {
      await daemon.stop();
    }
  });
});

describe('rebuild', () => {
  it('builds a new generation beside the live one under writes, switches when caught up, and equals a fresh build', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [listing(new Set())], pollIntervalMs: 5, batchSize: 7 });
    for (let i = 0; i < 200; i++) await eventStore.appendToStream(`s-${i % 9}`, [{ type: 'Added', data: { value: i } }], { expectedVersion: 'any' });
    daemon.start();
    try {
      await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 200);
      const before = projectionStore.readModel('lists');
      await projectionStore.requestRebuild('lists', 1);
      let minimum = Number.POSITIVE_INFINITY;
      let i = 200;
      // keep writing while it rebuilds; readers never see a partial model
      while ((await projectionStore.readCheckpoints())[0]?.rebuild !== undefined) {
        await eventStore.appendToStream(`s-${i % 9}`, [{ type: 'Added', data: { value: i } }], { expectedVersion: 'any' });
        i++;
        const seen = [...projectionStore.readModel('lists').values()].reduce((n, list) => n + (list as number[]).length, 0);
        minimum = Math.min(minimum, seen);
        await new Promise((r) => setTimeout(r, 1));
      }
      expect(minimum).toBeGreaterThanOrEqual(200);
      const checkpoint = (await projectionStore.readCheckpoints())[0]!;
      expect(checkpoint.generation).toBe(2);
      await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === i);
      const fresh = inMemoryProjectionStore();
      const reference = createProjectionDaemon({ eventStore, projectionStore: fresh, projections: [listing(new Set())] });
      reference.start();
      await until(async () => (await fresh.readCheckpoints())[0]?.cursor.position === i);
      await reference.stop();
      expect(projectionStore.readModel('lists')).toEqual(fresh.readModel('lists'));
      expect(before.size).toBe(9);
    } finally {
      await daemon.stop();
    }
  });

  it('rebuilds when the projection version in code changes', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    await eventStore.appendToStream('a', [{ type: 'Added', data: { value: 1 } }], { expectedVersion: 'any' });
    const v1 = createProjectionDaemon({ eventStore, projectionStore, projections: [listing(new Set())], pollIntervalMs: 5 });
    v1.start();
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 1);
    await v1.stop();
    const v2 = createProjectionDaemon({ eventStore, projectionStore, projections: [listing(new Set(), { version: 2 })], pollIntervalMs: 5 });
    v2.start();
    try {
      await until(async () => (await projectionStore.readCheckpoints())[0]?.version === 2);
      expect((await projectionStore.readCheckpoints())[0]).toMatchObject({ generation: 2, rebuild: undefined });
      expect(projectionStore.readModel('lists').get('a')).toEqual([1]);
    } finally {
      await v2.stop();
    }
  });

});
