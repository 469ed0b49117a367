// The rate limit: its setting, the token bucket, and 429 with Retry-After per key or per address.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from './api-keys.js';
import { createRateLimiter, parseRateLimit, RateLimitFormatError } from './rate-limit.js';
import { createTestApp } from './test-app.fixture.js';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('parseRateLimit', () => {
  it('reads N, N/s and N:burst; unset, 0 and off mean no limit', () => {
    expect(parseRateLimit('50')).toEqual({ perSecond: 50 });
    expect(parseRateLimit('2.5/s')).toEqual({ perSecond: 2.5 });
    expect(parseRateLimit(' 50:200 ')).toEqual({ perSecond: 50, burst: 200 });
    for (const off of [undefined, '', '0', 'off']) expect(parseRateLimit(off)).toBeUndefined();
  });
  it('refuses anything else, naming the variable (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }).filter((s) => !/^\s*(\d+(\.\d+)?(\/s)?(:\d+)?|off|)\s*$/.test(s)), (text) => {
        expect(() => parseRateLimit(text)).toThrow(RateLimitFormatError);
        expect(() => parseRateLimit(text)).toThrow(/TWOFOLD_RATE_LIMIT/);
      }),
    );
    expect(() => parseRateLimit('5:0')).toThrow(RateLimitFormatError);
  });
});

describe('createRateLimiter', () => {
  it('lets a burst through, then one request per 1/rate seconds, each client on its own', () => {
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 });
    expect([0, 0, 0].map((t) => limiter.take('a', t))).toEqual([0, 0, 0]);
    expect(limiter.take('a', 0)).toBe(1);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 499)).toBe(1);
    expect(limiter.take('a', 500)).toBe(0);
    expect(limiter.take('a', 10_000)).toBe(0);
  });
  it('never lets more than burst + rate × time through (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 300 }), (rate, burst, gaps) => {
        const limiter = createRateLimiter({ perSecond: rate, burst });
        let now = 0;
        let allowed = 0;
        for (const gap of gaps) {
          now += gap;
          if (limiter.take('x', now) === 0) allowed += 1;
        }
        expect(allowed).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000) + 1);
      }),
    );
  });
});

describe('with a limit', () => {
  it('answers 429 with Retry-After past it, per key, and never limits health probes', async () => {
    const keys = { a: 'first-key-0123456789', b: 'second-key-0123456789' };
    const table = { 'POST /test/counters/:id/increment': 'writer', 'POST /test/fail/:kind': 'writer', 'GET /test/counters/:id': 'reader', 'GET /api/streams/:id': 'admin', 'GET /api/projections': 'reader', 'GET /health/live': 'public', 'GET /health/ready': 'public', 'GET /api/openapi.json': 'reader' } as const;
    const fixture = await createTestApp({ rateLimit: { perSecond: 1, burst: 2 }, access: { table, apiKeys: parseApiKeys(`${keys.a}:reader,${keys.b}:reader`) } });
    close = fixture.close;
    const get = (key: string) => fixture.app.inject({ method: 'GET', url: '/api/projections', headers: { authorization: `Bearer ${key}` } });
    expect([(await get(keys.a)).statusCode, (await get(keys.a)).statusCode]).toEqual([200, 200]);
    const limited = await get(keys.a);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json().error.code).toBe('too_many_requests');
    expect((await get(keys.b)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await fixture.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });

  it('counts by client address without keys', async () => {
    const fixture = await createTestApp({ rateLimit: { perSecond: 1, burst: 1 } });
    close = fixture.close;
    const get = (remoteAddress: string) => fixture.app.inject({ method: 'GET', url: '/api/projections', remoteAddress });
    expect((await get('10.0.0.1')).statusCode).toBe(200);
    expect((await get('10.0.0.1')).statusCode).toBe(429);
    expect((await get('10.0.0.2')).statusCode).toBe(200);
  });

  it('is off by default', async () => {
    const fixture = await createTestApp();
    close = fixture.close;
    for (let i = 0; i < 50; i++) expect((await fixture.app.inject({ method: 'GET', url: '/api/projections' })).statusCode).toBe(200);
  });
});
