// Security headers on every answer: success, refusals, unknown routes, errors.
import { afterEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from './api-keys.js';
import { securityHeaders } from './security-headers.js';
import { createTestApp } from './test-app.fixture.js';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('security headers', () => {
  it('are on every answer', async () => {
    const table = { 'POST /test/counters/:id/increment': 'writer', 'POST /test/fail/:kind': 'reader', 'GET /test/counters/:id': 'reader', 'GET /api/streams/:id': 'admin', 'GET /api/projections': 'reader', 'GET /health/live': 'public', 'GET /health/ready': 'public', 'GET /api/openapi.json': 'reader' } as const;
    const key = 'reader-key-0123456789';
    const fixture = await createTestApp({ access: { table, apiKeys: parseApiKeys(`${key}:reader`) } });
    close = fixture.close;
    const auth = { authorization: `Bearer ${key}` };
    const answers = await Promise.all([
      fixture.app.inject({ method: 'GET', url: '/health/live' }),
      fixture.app.inject({ method: 'GET', url: '/api/projections', headers: auth }),
      fixture.app.inject({ method: 'GET', url: '/api/projections' }), // 401
      fixture.app.inject({ method: 'POST', url: '/test/counters/a/increment', headers: auth, payload: { by: 1 } }), // 403
      fixture.app.inject({ method: 'GET', url: '/nowhere', headers: auth }), // 404
      fixture.app.inject({ method: 'POST', url: '/test/fail/boom', headers: auth }), // 500
      fixture.app.inject({ method: 'POST', url: '/test/fail/invalid', headers: { ...auth, 'content-type': 'application/json' }, payload: '{' }), // 400
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 401, 403, 404, 500, 400]);
    for (const answer of answers) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['content-security-policy']).toBe(securityHeaders['content-security-policy']);
    }
  });

  it('let a same-origin page load its scripts, styles and event streams, and nothing else', () => {
    const directives = Object.fromEntries(securityHeaders['content-security-policy']!.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'self'"]);
    // script-src, style-src and connect-src fall back to default-src
    for (const fallback of ['script-src', 'style-src', 'connect-src']) expect(directives[fallback]).toBeUndefined();
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(JSON.stringify(directives)).not.toMatch(/unsafe|\*|https?:/);
  });
});

describe('error bodies', () => {
  it('never carry a stack trace or SQL, whatever the internal error said', async () => {
    const fixture = await createTestApp();
    close = fixture.close;
    // the fixture's `boom` throws an Error naming a connection string, like a driver's error
    const response = await fixture.app.inject({ method: 'POST', url: '/test/fail/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal error', details: {} } });
    expect(response.body).not.toMatch(/\bat .*\(|\.ts:\d+|\.js:\d+|postgres:\/\/|secret|select |insert /i);
  });
});
