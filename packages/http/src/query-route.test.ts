// queryRoute: freshness headers, read-your-writes with X-Min-Position against a running daemon, strict parsing.
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpApp } from './http-app.js';
import { createTestApp } from './test-app.fixture.js';

type TestApp = Awaited<ReturnType<typeof createTestApp>>;
let fixture: TestApp;
afterEach(() => fixture.close());

const increment = async (app: HttpApp, id: string, by: number): Promise<number> => {
  const response = await app.inject({ method: 'POST', url: `/test/counters/${id}/increment`, payload: { by } });
  expect(response.statusCode).toBe(202);
  return Number(response.headers['x-position']);
};

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('queryRoute freshness headers', () => {
  it('reports the projection position, as-of time and caught-up when the read model is at the head', async () => {
    fixture = await createTestApp();
    const { app, daemon } = fixture;
    daemon.start();
    const position = await increment(app, 'a', 2);
    const response = await app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': String(position) } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'a', total: 2 });
    // a second read without a token: still at the head
    const again = await app.inject({ method: 'GET', url: '/test/counters/a' });
    expect(again.headers['x-projection-position']).toBe(String(position));
    expect(again.headers['x-as-of']).toMatch(isoInstant);
    expect(again.headers['x-consistency']).toBe('caught-up');
  });

  it('reports stale, with the lagging position and the time of its last event, when the read model is behind', async () => {
    fixture = await createTestApp({ applyDelayMs: 10_000 });
    const { app, daemon } = fixture;
    daemon.start();
    await increment(app, 'a', 2);
    const response = await app.inject({ method: 'GET', url: '/test/counters/a' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-consistency']).toBe('stale');
    expect(response.headers['x-projection-position']).toBe('0');
    expect(response.headers['x-as-of']).toMatch(isoInstant);
  });

  it('answers 404 in the error shape, with the freshness headers, when the handler finds nothing', async () => {
    fixture = await createTestApp();
    fixture.daemon.start();
    const position = await increment(fixture.app, 'a', 1);
    const response = await fixture.app.inject({ method: 'GET', url: `/test/counters/zz?minPosition=${position}` });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'counter zz not found', details: { counter: 'zz' } } });
    expect(response.headers['x-consistency']).toBe('caught-up');
  });
});

describe('read-your-writes with X-Min-Position', () => {
  it('waits until a running daemon has applied the token and reports caught-up', async () => {
    fixture = await createTestApp({ applyDelayMs: 150 });
    const { app, daemon } = fixture;
    daemon.start();
    const position = await increment(app, 'a', 5);
    const started = Date.now();
    const response = await app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': String(position) } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'a', total: 5 });
    expect(response.headers['x-consistency']).toBe('caught-up');
    expect(Number(response.headers['x-projection-position'])).toBeGreaterThanOrEqual(position);
  });

  it('takes the token from ?minPosition= too', async () => {
    fixture = await createTestApp({ applyDelayMs: 100 });
    fixture.daemon.start();
    const position = await increment(fixture.app, 'a', 3);
    const response = await fixture.app.inject({ method: 'GET', url: `/test/counters/a?minPosition=${position}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: 'a', total: 3 });
    expect(response.headers['x-consistency']).toBe('caught-up');
  });

  it('answers anyway, reporting stale, when X-Wait-Ms runs out', async () => {
    fixture = await createTestApp({ applyDelayMs: 10_000 });
    const { app, daemon } = fixture;
    daemon.start();
    const position = await increment(app, 'a', 5);
    const started = Date.now();
    const response = await app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': String(position), 'x-wait-ms': '60' } });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(2000);
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-consistency']).toBe('stale');
    expect(Number(response.headers['x-projection-position'])).toBeLessThan(position);
  });

  it('answers 503 overloaded with Retry-After to a wait beyond the cap, and waits again once the others ended', async () => {
    fixture = await createTestApp({ applyDelayMs: 10_000, maxWaiters: 2 });
    const { app, daemon } = fixture;
    daemon.start();
    const position = await increment(app, 'a', 5);
    const wait = () => app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': String(position), 'x-wait-ms': '200' } });
    const waiting = [wait(), wait()];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refused = await wait();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error.code).toBe('overloaded');
    expect((await Promise.all(waiting)).map((r) => r.headers['x-consistency'])).toEqual(['stale', 'stale']);
    expect((await wait()).headers['x-consistency']).toBe('stale');
  });

  it('refuses with 400 a token beyond the head of the log: no command of this store answered with it', async () => {
    fixture = await createTestApp();
    fixture.daemon.start();
    await increment(fixture.app, 'a', 1);
    const response = await fixture.app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': '9007199254740991', 'x-wait-ms': '30000' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_input', details: { field: 'X-Min-Position' } });
  });

  it.each([['-1'], ['abc'], ['1.5'], ['1e3'], [''], ['1, 2'], ['99999999999999999']])('answers X-Min-Position %j with 400 invalid_input', async (value) => {
    fixture = await createTestApp();
    const response = await fixture.app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': value } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_input', details: { 'X-Min-Position': value } });
  });

  it.each([['minPosition=-3'], ['minPosition=x'], ['minPosition=1&minPosition=2']])('answers ?%s with 400 invalid_input', async (query) => {
    fixture = await createTestApp();
    const response = await fixture.app.inject({ method: 'GET', url: `/test/counters/a?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_input');
  });

  it.each([['soon'], ['-5'], ['30001']])('answers X-Wait-Ms %j with 400 invalid_input', async (value) => {
    fixture = await createTestApp();
    const response = await fixture.app.inject({ method: 'GET', url: '/test/counters/a', headers: { 'x-min-position': '1', 'x-wait-ms': value } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_input', details: { 'X-Wait-Ms': value, max: 30_000 } });
  });
});
