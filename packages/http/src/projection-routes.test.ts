// GET /api/projections over the in-memory stores and daemon: head, lag in events and ms, runner states.
import {
  createProjectionDaemon,
  inMemoryEventStore,
  inMemoryProjectionStore,
  logStart,
  type InMemoryReadModel,
  type ProjectionDefinition,
} from '@twofold/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from './create-http-app.js';
import type { HttpApp } from './http-app.js';
import { projectionRoutes } from './projection-routes.js';
import { createTestApp } from './test-app.fixture.js';

const definition = (name: string, apply: ProjectionDefinition<InMemoryReadModel>['apply'] = async () => {}): ProjectionDefinition<InMemoryReadModel> => ({
  name,
  version: 2,
  handles: ['Happened'],
  apply,
});

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('GET /api/projections', () => {
  it('reports the head and each projection’s lag in events and in commit time', async () => {
    let clock = new Date('2026-03-01T10:00:00.000Z');
    const eventStore = inMemoryEventStore({ now: () => clock });
    const projectionStore = inMemoryProjectionStore();
    for (const seconds of [0, 2, 5]) {
      clock = new Date(Date.parse('2026-03-01T10:00:00.000Z') + seconds * 1000);
      await eventStore.appendToStream('s-1', [{ type: 'Happened', data: { seconds } }], { expectedVersion: 'any' });
    }
    const second = (await eventStore.readAll({ after: logStart, limit: 2 }))[1]!;
    await projectionStore.prepare(definition('orders'));
    await projectionStore.commitBatch('orders', logStart, { cursor: { transactionId: second.transactionId, position: 2 }, lastEventAt: second.recordedAt }, async () => {});
    await projectionStore.prepare(definition('untouched'));

    const app: HttpApp = await createHttpApp();
    close = () => app.close();
    projectionRoutes(app, { eventStore, projectionStore });
    const response = await app.inject({ method: 'GET', url: '/api/projections' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      headPosition: 3,
      projections: [
        expect.objectContaining({ name: 'orders', version: 2, status: 'delayed', position: 2, lagEvents: 1, lagMs: 3000, deadLetters: 0, runner: null }),
        // nothing applied yet: lag since the first event of the log
        expect.objectContaining({ name: 'untouched', version: 2, status: 'delayed', position: 0, lagEvents: 3, lagMs: 5000, runner: null }),
      ],
    });
  });

  it('answers an empty store with head 0 and no projections', async () => {
    const app: HttpApp = await createHttpApp();
    close = () => app.close();
    projectionRoutes(app, { eventStore: inMemoryEventStore(), projectionStore: inMemoryProjectionStore() });
    const response = await app.inject({ method: 'GET', url: '/api/projections' });
    expect(response.json()).toEqual({ headPosition: 0, projections: [] });
  });

  it('shows a local runner caught up with the head as running without lag', async () => {
    const fixture = await createTestApp();
    close = fixture.close;
    fixture.daemon.start();
    const accepted = await fixture.app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by: 1 } });
    await fixture.consistencyGate.waitFor(['counters'], Number(accepted.headers['x-position']), 2000);
    const response = await fixture.app.inject({ method: 'GET', url: '/api/projections' });
    expect(response.json()).toEqual({
      headPosition: 1,
      projections: [expect.objectContaining({ name: 'counters', version: 1, status: 'running', position: 1, lagEvents: 0, lagMs: 0, lastError: null, runner: 'running' })],
    });
  });

  it('shows a failing local runner with its last error', async () => {
    const eventStore = inMemoryEventStore();
    const projectionStore = inMemoryProjectionStore();
    const broken = {
      ...definition('broken', async () => {
        throw new Error('cannot apply Happened');
      }),
      onPoisonEvent: 'stop' as const,
    };
    const daemon = createProjectionDaemon({ eventStore, projectionStore, projections: [broken], retryBackoffMs: 5, maxRetryBackoffMs: 5, pollIntervalMs: 5 });
    const app: HttpApp = await createHttpApp();
    close = async () => {
      await daemon.stop();
      await app.close();
    };
    projectionRoutes(app, { eventStore, projectionStore, daemon });
    await eventStore.appendToStream('s-1', [{ type: 'Happened', data: {} }], { expectedVersion: 'any' });
    daemon.start();
    await expect.poll(() => daemon.statuses()[0]?.state, { timeout: 2000 }).toBe('failed');
    const response = await app.inject({ method: 'GET', url: '/api/projections' });
    expect(response.json().projections).toEqual([
      expect.objectContaining({ name: 'broken', version: 2, status: 'failed', position: 0, lagEvents: 1, lastError: 'cannot apply Happened', runner: 'failed' }),
    ]);
  });
});
