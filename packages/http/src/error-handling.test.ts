// Error shapes: core errors through the table, Fastify's own errors, unknown routes; bad input never a 500.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpApp } from './http-app.js';
import { createTestApp } from './test-app.fixture.js';

let app: HttpApp;
beforeEach(async () => {
  ({ app } = await createTestApp());
});
afterEach(() => app.close());

const increment = (payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url: '/test/counters/a/increment', payload, headers: { 'content-type': contentType } });

describe('core errors, through the one table', () => {
  it.each([
    ['invalid', 400, 'invalid_input', { field: 'quantity' }],
    ['missing', 404, 'not_found', { order: 'o-1' }],
    ['conflict', 409, 'version_conflict', { streamId: 'order-o-1', expectedVersion: 2, actualVersion: 3 }],
    ['illegal', 409, 'illegal_transition', { entity: 'order', state: 'cancelled', command: 'pay' }],
    ['rejected', 422, 'insufficient_stock', { sku: 'sku-1', available: 2 }],
    ['unavailable', 503, 'store_unavailable', {}],
  ])('%s answers %i %s', async (kind, status, code, details) => {
    const response = await app.inject({ method: 'POST', url: `/test/fail/${kind}` });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = response.json();
    expect(body).toEqual({ error: { code, message: expect.any(String), details } });
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('asks to retry a 503 after a second', async () => {
    const response = await app.inject({ method: 'POST', url: '/test/fail/unavailable' });
    expect(response.headers['retry-after']).toBe('1');
  });

  it.each(['boom', 'moved'])('answers anything else (%s) with 500 internal, hiding its message', async (kind) => {
    const response = await app.inject({ method: 'POST', url: `/test/fail/${kind}` });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal error', details: {} } });
    expect(response.body).not.toContain('postgres://');
  });
});

describe('bad input never gives a 500', () => {
  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await increment('{"by": 2');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('answers an empty JSON body with 400 invalid_json', async () => {
    const response = await increment('');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('refuses prototype poisoning as invalid JSON', async () => {
    const response = await increment('{"by": 1, "__proto__": {"admin": true}}');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('answers a 2 MB body with 413 body_too_large', async () => {
    const response = await increment(JSON.stringify({ by: 1, padding: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ error: { code: 'body_too_large', message: expect.any(String), details: {} } });
  });

  it('answers wrong types with 400 invalid_input and the validation details', async () => {
    const response = await increment(JSON.stringify({ by: 'many' }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'invalid_input',
        message: 'body/by must be integer',
        details: { location: 'body', issues: [{ path: '/by', message: 'must be integer', keyword: 'type', params: { type: 'integer' } }] },
      },
    });
  });

  it('does not coerce body values: a numeric string or a boolean is not an integer', async () => {
    expect((await increment(JSON.stringify({ by: '2' }))).statusCode).toBe(400);
    expect((await increment(JSON.stringify({ by: true }))).statusCode).toBe(400);
  });

  it('reports every issue at once', async () => {
    const response = await increment(JSON.stringify({ by: 0, extra: 1 }));
    expect(response.statusCode).toBe(400);
    const issues = response.json().error.details.issues as { keyword: string }[];
    expect(issues.map((i) => i.keyword).sort()).toEqual(['additionalProperties', 'minimum']);
  });

  it('answers invalid path parameters with 400 invalid_input', async () => {
    const response = await app.inject({ method: 'POST', url: '/test/counters/NOT_OK/increment', payload: { by: 1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_input', details: { location: 'params' } });
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await increment('<by>1</by>', 'application/xml');
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('unsupported_media_type');
  });

  it('answers a malformed URL with 400 invalid_url', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/streams/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_url');
  });
});

describe('unknown routes', () => {
  it('answer 404 not_found in the JSON shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'route GET /nope not found', details: { route: 'GET /nope' } } });
  });

  it('include a known path with the wrong method', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/test/counters/a' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
  });
});
