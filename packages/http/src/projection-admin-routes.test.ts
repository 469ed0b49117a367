import { createConsistencyGate, inMemoryEventStore, inMemoryProjectionStore } from '@twofold/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from './create-http-app.js';
import type { HttpApp } from './http-app.js';
import { projectionAdminRoutes } from './projection-admin-routes.js';

let app: HttpApp | undefined;
afterEach(() => app?.close());

describe('projection admin routes', () => {
  it('knows only the projections it was given: names of Object.prototype are 404, not projections', async () => {
    const projectionStore = inMemoryProjectionStore();
    app = await createHttpApp({ consistencyGate: createConsistencyGate({ eventStore: inMemoryEventStore(), projectionStore }) });
    const read = { readDeadLetters: async () => [], requestDeadLetterRetry: async () => undefined, dropDeadLetters: async () => 0 };
    const administration = { ...read, setPaused: async () => undefined, requestRebuild: async () => ({ generation: 2, version: 1 }) } as never;
    projectionAdminRoutes(app, { administration, versions: { orders: 1 } });
    for (const name of ['hasOwnProperty', 'constructor', '__proto__', 'toString']) {
      expect((await app.inject({ method: 'GET', url: `/api/projections/${name}/dead-letters` })).statusCode, name).toBe(404);
      expect((await app.inject({ method: 'POST', url: `/api/projections/${name}/pause` })).statusCode, name).toBe(404);
    }
    expect((await app.inject({ method: 'GET', url: '/api/projections/orders/dead-letters' })).statusCode).toBe(200);
  });
});
