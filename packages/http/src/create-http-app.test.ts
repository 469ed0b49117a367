// createHttpApp: the OpenAPI document, option checks, correlation ids, shared schemas, body limit, logging.
import { afterEach, describe, expect, it } from 'vitest';
import { commandRoute } from './command-route.js';
import { createHttpApp } from './create-http-app.js';
import type { HttpApp } from './http-app.js';
import { Type } from './index.js';
import { createTestApp } from './test-app.fixture.js';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3 document with every route’s path and the shared error schema', async () => {
    const fixture = await createTestApp({ openApi: { title: 'Shop', version: '1.2.3' } });
    close = fixture.close;
    const response = await fixture.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const document = JSON.parse(response.body);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toEqual({ title: 'Shop', version: '1.2.3' });
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/test/counters/{id}/increment', '/test/counters/{id}', '/api/streams/{id}', '/api/projections', '/health/live', '/health/ready']),
    );
    expect(document.paths['/api/openapi.json']).toBeUndefined();
    expect(document.components.schemas.TwofoldErrorResponse.properties.error.required).toEqual(['code', 'message', 'details']);

    const command = document.paths['/test/counters/{id}/increment'].post;
    expect(command.responses['202'].content['application/json'].schema.required).toEqual(['correlationId', 'streamId', 'streamVersion', 'position']);
    expect(Object.keys(command.responses['202'].headers)).toEqual(['X-Position', 'X-Correlation-Id']);
    expect(command.responses['4XX'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TwofoldErrorResponse' });

    const query = document.paths['/test/counters/{id}'].get;
    expect(Object.keys(query.responses['200'].headers)).toEqual(['X-Projection-Position', 'X-As-Of', 'X-Consistency', 'X-Projection-Delayed']);
    expect(query.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:minPosition', 'header:x-min-position', 'header:x-wait-ms', 'path:id']),
    );
  });
});

describe('createHttpApp', () => {
  it('validates its options eagerly', async () => {
    await expect(createHttpApp({ defaultWaitMs: 5000, maxWaitMs: 1000 })).rejects.toThrow(RangeError);
    await expect(createHttpApp({ bodyLimitBytes: 0 })).rejects.toThrow(RangeError);
  });

  it('echoes the correlation id on every answer, errors included', async () => {
    const app: HttpApp = await createHttpApp();
    close = () => app.close();
    const response = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-correlation-id': 'trace-7' } });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-correlation-id']).toBe('trace-7');
  });

  it('resolves shared schemas ($ref) in request bodies', async () => {
    const app: HttpApp = await createHttpApp();
    close = () => app.close();
    app.addSchema(Type.Object({ amountCents: Type.Integer({ minimum: 0 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }, { $id: 'Money' }));
    commandRoute(app, {
      url: '/payouts',
      schema: { body: Type.Object({ amount: Type.Unsafe<{ amountCents: number; currency: string }>(Type.Ref('Money')) }) },
      summary: 'Pay out',
      handler: async () => ({ streams: [{ streamId: 'payouts', streamVersion: 1, position: 1 }], position: 1, transactionId: 1 }),
    });
    const ok = await app.inject({ method: 'POST', url: '/payouts', payload: { amount: { amountCents: 5, currency: 'EUR' } } });
    expect(ok.statusCode).toBe(202);
    const bad = await app.inject({ method: 'POST', url: '/payouts', payload: { amount: { amountCents: 5, currency: 'euro' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('/amount/currency');
  });

  it('applies a custom body limit', async () => {
    const app: HttpApp = await createHttpApp({ bodyLimitBytes: 64 });
    close = () => app.close();
    commandRoute(app, {
      url: '/notes',
      schema: { body: Type.Object({ text: Type.String() }) },
      summary: 'Note',
      handler: async () => ({ streams: [{ streamId: 'notes', streamVersion: 1, position: 1 }], position: 1, transactionId: 1 }),
    });
    const response = await app.inject({ method: 'POST', url: '/notes', payload: { text: 'x'.repeat(100) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('body_too_large');
  });
});

describe('logging', () => {
  it('logs a 500 with its cause and a 4xx without one', async () => {
    const entries: { level: string; fields: Record<string, unknown> }[] = [];
    const record = (level: string) => (fields: unknown) => {
      if (typeof fields === 'object' && fields !== null) entries.push({ level, fields: fields as Record<string, unknown> });
    };
    const logger = {
      level: 'info',
      fatal: record('fatal'),
      error: record('error'),
      warn: record('warn'),
      info: record('info'),
      debug: record('debug'),
      trace: record('trace'),
      silent: () => {},
      child() {
        return logger;
      },
    };
    const fixture = await createTestApp({ logger });
    close = fixture.close;
    await fixture.app.inject({ method: 'POST', url: '/test/fail/boom' });
    const failure = entries.find((e) => e.level === 'error' && e.fields['code'] === 'internal');
    expect(failure?.fields['err']).toBeInstanceOf(Error);
    expect(failure?.fields['status']).toBe(500);

    entries.length = 0;
    await fixture.app.inject({ method: 'POST', url: '/test/fail/rejected' });
    expect(entries.find((e) => e.fields['code'] === 'insufficient_stock')).toMatchObject({ level: 'info', fields: { status: 422 } });
    expect(entries.some((e) => e.level === 'error')).toBe(false);
  });
});
