import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailable } from './errors.js';
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

  it('wakes for appends without reading its checkpoint again: it knows where its own commits left it', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    let checkpointReads = 0;
    const counted: typeof projectionStore = {
      ...projectionStore,
      readCheckpoints: (names) => {
        checkpointReads++;
        return projectionStore.readCheckpoints(names);
      },
    };
    start(createProjectionDaemon({ eventStore, projectionStore: counted, projections: [counting()], pollIntervalMs: 60_000 }));
    await until(() => projectionStore.readCheckpoints().then((c) => c.length === 1));
    const readsWhenStarted = checkpointReads;
    for (let i = 1; i <= 20; i++) {
      await eventStore.appendToStream('s', [{ type: i % 2 === 0 ? 'Counted' : 'Other', data: {} }], { expectedVersion: 'any' });
      await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === i, 1_000);
    }
    expect(projectionStore.readModel('counts').get('s')).toBe(10);
    // twenty wakes, each after the runner had gone idle: none asked the store where the checkpoint was
    expect(checkpointReads - readsWhenStarted).toBe(0);
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

  it('resumes within about a second of an unreachable store\'s return, however long it was away', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    let unreachable = true;
    const outage: typeof eventStore = {
      ...eventStore,
      readAll: (options) => (unreachable ? Promise.reject(new StoreUnavailable('PostgreSQL is unavailable: ECONNREFUSED')) : eventStore.readAll(options)),
    };
    await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    // backoff from 100 ms, doubling: after 4 s of failures the next pause alone would be 3.2 s, and grow to 10 s
    start(createProjectionDaemon({ eventStore: outage, projectionStore, projections: [counting()], retryBackoffMs: 100, maxRetryBackoffMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 4_000));
    expect(projectionStore.readModel('counts').get('s')).toBeUndefined();
    unreachable = false;
    const back = Date.now();
    await until(() => projectionStore.readModel('counts').get('s') === 1, 5_000);
    expect(Date.now() - back).toBeLessThan(1_500);
  }, 15_000);

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

  it('reads the next batch while the current one commits, and recovers when that read fails', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    for (let i = 0; i < 40; i++) await eventStore.appendToStream(`s-${i % 4}`, [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    let committing = 0;
    let readsDuringCommit = 0;
    let reads = 0;
    const commitBatch = projectionStore.commitBatch.bind(projectionStore);
    projectionStore.commitBatch = async (...args) => {
      committing++;
      try {
        await new Promise((r) => setTimeout(r, 2));
        return await commitBatch(...args);
      } finally {
        committing--;
      }
    };
    const overlapping: typeof eventStore = {
      ...eventStore,
      readAll: async (options) => {
        reads++;
        await new Promise((r) => setTimeout(r, 1));
        if (committing > 0) readsDuringCommit++;
        // the third read (a read-ahead) fails: the batch must be read again, not skipped
        if (reads === 3) throw new Error('read-ahead failed');
        return eventStore.readAll(options);
      },
    };
    const daemon = start(createProjectionDaemon({ eventStore: overlapping, projectionStore, projections: [counting()], batchSize: 4, catchUpBatchSize: 4, retryBackoffMs: 1 }));
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 40);
    expect(readsDuringCommit).toBeGreaterThan(3);
    expect([...projectionStore.readModel('counts').values()]).toEqual([10, 10, 10, 10]);
    expect(daemon.statuses()[0]).toMatchObject({ state: 'running' });
  });

  it('asks the store for the event data its projections use: none when they all read what they need themselves', async () => {
    for (const [projections, expected] of [
      [[{ ...counting(), usesEventData: false }], []],
      [[{ ...counting(), usesEventData: false }, { ...counting(), name: 'withData' }], ['Counted']],
    ] as const) {
      const eventStore = inMemoryEventStore();
      const projectionStore = inMemoryProjectionStore();
      for (let i = 0; i < 6; i++) await eventStore.appendToStream(`s-${i % 2}`, [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
      const asked: (readonly string[] | undefined)[] = [];
      const recording: typeof eventStore = { ...eventStore, readAll: (options) => (asked.push(options.types), eventStore.readAll(options)) };
      const daemon = start(createProjectionDaemon({ eventStore: recording, projectionStore, projections }));
      await until(async () => (await projectionStore.readCheckpoints()).every((c) => c.cursor.position === 6) && (await projectionStore.readCheckpoints()).length === projections.length);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((types) => JSON.stringify(types) === JSON.stringify(expected))).toBe(true);
      expect(daemon.statuses().every((s) => s.state === 'running')).toBe(true);
      await daemon.stop();
    }
  });

  it('takes larger batches while behind, up to catchUpBatchSize, and batchSize again once caught up', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    for (let i = 0; i < 40; i++) await eventStore.appendToStream(`s-${i % 4}`, [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    const limits: number[] = [];
    const recording: typeof eventStore = { ...eventStore, readAll: (options) => (limits.push(options.limit), eventStore.readAll(options)) };
    const daemon = start(createProjectionDaemon({ eventStore: recording, projectionStore, projections: [counting()], batchSize: 4, catchUpBatchSize: 16 }));
    const sizes: number[] = [];
    daemon.onProgress((batch) => sizes.push(batch.applied.length));
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 40);
    expect(sizes).toEqual([4, 8, 16, 12]);
    await eventStore.appendToStream('s-0', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    await until(async () => (await projectionStore.readCheckpoints())[0]?.cursor.position === 41);
    expect(limits.slice(0, 4)).toEqual([4, 8, 16, 16]);
    // the short batch of 12 brought it back to batchSize
    expect(new Set(limits.slice(4))).toEqual(new Set([4]));
    expect([...projectionStore.readModel('counts').values()]).toEqual([11, 10, 10, 10]);
    expect(() => createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], batchSize: 4, catchUpBatchSize: 3 })).toThrow(RangeError);
  });

  it('does not read back the checkpoint it just committed, but sees an operator\'s pause at once', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    for (let i = 0; i < 40; i++) await eventStore.appendToStream(`s-${i % 4}`, [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    let checkpointReads = 0;
    const readCheckpoints = projectionStore.readCheckpoints.bind(projectionStore);
    const counted: typeof projectionStore = { ...projectionStore, readCheckpoints: (names) => (checkpointReads++, readCheckpoints(names)) };
    const daemon = start(createProjectionDaemon({ eventStore, projectionStore: counted, projections: [counting()], batchSize: 4, catchUpBatchSize: 4, pollIntervalMs: 60_000 }));
    await until(async () => (await readCheckpoints())[0]?.cursor.position === 40);
    // ten batches; the checkpoint is read when the runner starts and when it finds nothing more to do
    expect(checkpointReads).toBeLessThanOrEqual(3);
    await projectionStore.setPaused('counts', true);
    await until(() => daemon.statuses()[0]?.state === 'paused', 1_000);
    await eventStore.appendToStream('s-0', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    await new Promise((r) => setTimeout(r, 30));
    expect(projectionStore.readModel('counts').get('s-0')).toBe(10);
    await projectionStore.setPaused('counts', false);
    await until(() => projectionStore.readModel('counts').get('s-0') === 11, 1_000);
  });

  it('lets appends gather between live batches with minBatchIntervalMs, but never slows a catch-up', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    for (let i = 0; i < 40; i++) await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
    const daemon = start(createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], batchSize: 4, minBatchIntervalMs: 300 }));
    const batches: number[] = [];
    daemon.onProgress((batch) => batches.push(batch.applied.length));
    const started = Date.now();
    await until(() => projectionStore.readModel('counts').get('s') === 40);
    expect(Date.now() - started).toBeLessThan(250); // ten full batches, no pause between them

    // caught up: twenty single appends within one interval are taken in a few batches, not twenty
    batches.length = 0;
    for (let i = 0; i < 20; i++) {
      await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
      await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => projectionStore.readModel('counts').get('s') === 60, 3_000);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(20);
    expect(batches.length).toBeLessThanOrEqual(8);
    expect(() => createProjectionDaemon({ eventStore, projectionStore, projections: [counting()], minBatchIntervalMs: -1 })).toThrow(RangeError);
  });

  it('takes one live batch per window: batch starts stay a window apart while appends flow', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const windowMs = 50;
    const starts: number[] = [];
    const timed: ProjectionDefinition<InMemoryReadModel> = {
      ...counting(),
      apply: async (events, model) => {
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 10));
        await counting().apply(events, model);
      },
    };
    start(createProjectionDaemon({ eventStore, projectionStore, projections: [timed], minBatchIntervalMs: windowMs, pollIntervalMs: 60_000 }));
    await until(() => projectionStore.readCheckpoints().then((c) => c.length === 1));
    for (let i = 0; i < 100; i++) {
      await eventStore.appendToStream('s', [{ type: 'Counted', data: {} }], { expectedVersion: 'any' });
      await new Promise((r) => setTimeout(r, 8));
    }
    await until(() => projectionStore.readModel('counts').get('s') === 100, 5_000);
    // a batch whose timer fired a moment early counted itself in the window before and took another at once
    // (the first batch starts when the first append wakes the runner, between boundaries)
    const aligned = starts.slice(1);
    const gaps = aligned.slice(1).map((at, i) => at - aligned[i]!);
    expect(gaps.length).toBeGreaterThan(5);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(windowMs - 5);
  });

  it('rejects two projections with one name', () => {
    expect(() =>
      createProjectionDaemon({ eventStore: inMemoryEventStore(), projectionStore: inMemoryProjectionStore(), projections: [counting(), counting()] }),
    ).toThrow(/two projections/);
  });
});
