// GET /api/streams/:id: a stream's history, 404 for an unknown one.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.fixture.js';

let fixture: Awaited<ReturnType<typeof createTestApp>>;
afterEach(() => fixture.close());

describe('GET /api/streams/:id', () => {
  it('answers the full history of the stream', async () => {
    fixture = await createTestApp();
    const { app } = fixture;
    for (const by of [1, 2]) {
      await app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by }, headers: { 'x-correlation-id': `c-${by}` } });
    }
    const response = await app.inject({ method: 'GET', url: '/api/streams/counter-a' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      streamId: 'counter-a',
      version: 2,
      events: [1, 2].map((by) => ({
        type: 'CounterIncremented',
        data: { counterId: 'a', by },
        metadata: { correlationId: `c-${by}`, causationId: `c-${by}`, commandId: expect.any(String) },
        streamVersion: by,
        globalPosition: by,
        eventId: expect.any(String),
        recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      })),
    });
  });

  it('answers 404 not_found for an unknown stream', async () => {
    fixture = await createTestApp();
    const response = await fixture.app.inject({ method: 'GET', url: '/api/streams/order-nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'stream order-nope not found', details: { stream: 'order-nope' } } });
  });

  it('answers an over-long stream id with 400', async () => {
    fixture = await createTestApp();
    const response = await fixture.app.inject({ method: 'GET', url: `/api/streams/${'x'.repeat(201)}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
  });

  it('answers a stream id holding NUL with 400 naming the parameter (the database cannot hold it)', async () => {
    fixture = await createTestApp();
    for (const id of ['%00', 'a%00b']) {
      const response = await fixture.app.inject({ method: 'GET', url: `/api/streams/${id}` });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('id') });
    }
    expect((await fixture.app.inject({ method: 'GET', url: `/api/streams/${encodeURIComponent('counter-😀')}` })).statusCode).toBe(404);
  });
});
