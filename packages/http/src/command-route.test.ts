// commandRoute: the 202 acknowledgement, correlation ids, handler input, business rule refusals.
import { inMemoryEventStore, OutcomeUnknown, type IdempotencyStore } from '@twofold/core';
import { afterEach, describe, expect, it } from 'vitest';
import { commandRoute } from './command-route.js';
import { createHttpApp } from './create-http-app.js';
import type { HttpApp } from './http-app.js';
import { Type } from './index.js';
import { createTestApp } from './test-app.fixture.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let app: HttpApp;
afterEach(() => app.close());

describe('commandRoute', () => {
  it('answers 202 with the correlation id, the stream, its version and the position, also in X-Position', async () => {
    ({ app } = await createTestApp());
    await app.inject({ method: 'POST', url: '/test/counters/b/increment', payload: { by: 1 } });
    const response = await app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by: 2 } });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({ correlationId: expect.stringMatching(uuid), streamId: 'counter-a', streamVersion: 1, position: 2 });
    expect(response.headers['x-position']).toBe('2');
    expect(response.headers['x-correlation-id']).toBe(body.correlationId);
  });

  it('keeps a well-formed X-Correlation-Id and stamps the events with it', async () => {
    let eventStore;
    ({ app, eventStore } = await createTestApp());
    const response = await app.inject({
      method: 'POST',
      url: '/test/counters/a/increment',
      payload: { by: 2 },
      headers: { 'x-correlation-id': 'checkout-42.retry:1' },
    });
    expect(response.json().correlationId).toBe('checkout-42.retry:1');
    const [event] = await eventStore.readStream('counter-a');
    expect(event?.metadata.correlationId).toBe('checkout-42.retry:1');
  });

  it.each([['x'.repeat(65)], ['has spaces'], ['<script>'], ['']])('replaces a malformed X-Correlation-Id (%j) with a UUID', async (header) => {
    ({ app } = await createTestApp());
    const response = await app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by: 2 }, headers: { 'x-correlation-id': header } });
    expect(response.statusCode).toBe(202);
    expect(response.json().correlationId).toMatch(uuid);
  });

  it('answers a rule the decider enforces with 422 and changes nothing', async () => {
    let eventStore;
    ({ app, eventStore } = await createTestApp());
    const response = await app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by: 1001 } });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ error: { code: 'counter_full', message: 'a counter stops at 1000', details: { total: 0 } } });
    expect(await eventStore.head()).toBeUndefined();
  });

  it('gives the handler validated input, the clock and the correlation id; the handler picks the primary stream', async () => {
    const now = new Date('2026-01-02T03:04:05Z');
    const eventStore = inMemoryEventStore();
    app = await createHttpApp({ now: () => now });
    const seen: unknown[] = [];
    commandRoute(app, {
      method: 'PUT',
      url: '/orders/:orderId',
      schema: { params: Type.Object({ orderId: Type.String() }), body: Type.Object({ sku: Type.String(), quantity: Type.Integer() }) },
      summary: 'Place an order',
      handler: async ({ params, body, metadata }) => {
        seen.push({ params, body, metadata });
        const result = await eventStore.appendToStreams([
          { streamId: `product-${body.sku}`, events: [{ type: 'StockReserved', data: body }], expectedVersion: 'any' },
          { streamId: `order-${params.orderId}`, events: [{ type: 'OrderPlaced', data: body }], expectedVersion: 'no_stream' },
        ]);
        return { ...result, streamId: `order-${params.orderId}` };
      },
    });
    const response = await app.inject({ method: 'PUT', url: '/orders/o-1', payload: { sku: 's-1', quantity: 3 }, headers: { 'x-correlation-id': 'c-1' } });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ correlationId: 'c-1', streamId: 'order-o-1', streamVersion: 1, position: 2 });
    expect(seen).toEqual([{ params: { orderId: 'o-1' }, body: { sku: 's-1', quantity: 3 }, metadata: { now, correlationId: 'c-1', commandId: expect.any(String) } }]);
  });

  it('answers an unknown outcome with Retry-After only when the command carried an Idempotency-Key (a retry with it is safe)', async () => {
    const keys: IdempotencyStore = { ttlMs: 60_000, find: async () => undefined, recordResponse: async () => undefined, deleteExpired: async () => 0 };
    app = await createHttpApp({ idempotencyStore: keys });
    commandRoute(app, {
      url: '/lost',
      summary: 'A command whose append answer is lost',
      handler: async ({ metadata }) => {
        throw new OutcomeUnknown(metadata.commandId!);
      },
    });
    const keyed = await app.inject({ method: 'POST', url: '/lost', payload: {}, headers: { 'idempotency-key': 'k-1' } });
    expect(keyed.statusCode).toBe(503);
    expect(keyed.json().error.code).toBe('outcome_unknown');
    expect(keyed.headers['retry-after']).toBe('1');
    const unkeyed = await app.inject({ method: 'POST', url: '/lost', payload: {} });
    expect(unkeyed.statusCode).toBe(503);
    expect(unkeyed.json().error.code).toBe('outcome_unknown');
    expect(unkeyed.headers['retry-after']).toBeUndefined();
  });

  it('refuses to be declared on an app not made by createHttpApp', async () => {
    const { default: Fastify } = await import('fastify');
    app = Fastify() as unknown as HttpApp;
    expect(() => commandRoute(app, { url: '/x', summary: 'x', handler: async () => ({ streams: [], position: 0, transactionId: 0 }) })).toThrow(/createHttpApp/);
  });
});
