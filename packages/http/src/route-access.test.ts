// Access control: the table must name every route; with keys, 401 without a known key and 403 below the route's role.
import { afterEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from './api-keys.js';
import { createHttpApp } from './create-http-app.js';
import type { AccessTable } from './route-access.js';
import { bearerToken } from './route-access.js';
import { createTestApp } from './test-app.fixture.js';

const keys = { reader: 'reader-key-0123456789', writer: 'writer-key-0123456789', admin: 'admin-key-0123456789' };
const apiKeys = parseApiKeys(`${keys.reader}:reader,${keys.writer}:writer,${keys.admin}:admin`);

const table: AccessTable = {
  'POST /test/counters/:id/increment': 'writer',
  'POST /test/fail/:kind': 'writer',
  'GET /test/counters/:id': 'reader',
  'GET /api/streams/:id': 'admin',
  'GET /api/projections': 'reader',
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /api/openapi.json': 'reader',
};

let close: () => Promise<void> = async () => {};
afterEach(() => close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the access table', () => {
  it('must name every route: one missing fails when it is declared', async () => {
    const app = await createHttpApp({ access: { table: { 'GET /api/openapi.json': 'reader' }, apiKeys } });
    close = () => app.close();
    expect(() => app.get('/secret', async () => 'x')).toThrow(/route GET \/secret is not in the access table/);
  });

  it('refuses an entry with an unknown access', async () => {
    await expect(createHttpApp({ access: { table: { 'GET /x': 'owner' as 'admin' }, apiKeys } })).rejects.toThrow(/unknown access "owner"/);
  });

  it('gives HEAD routes their GET route’s entry', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys } });
    close = fixture.close;
    expect((await fixture.app.inject({ method: 'HEAD', url: '/api/projections' })).statusCode).toBe(401);
    expect((await fixture.app.inject({ method: 'HEAD', url: '/api/projections', headers: bearer(keys.reader) })).statusCode).toBe(200);
  });
});

describe('with keys', () => {
  it('answers 401 with WWW-Authenticate without a key, with an unknown key and with another scheme', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys } });
    close = fixture.close;
    for (const headers of [{}, bearer('not-a-known-key-at-all'), { authorization: `Basic ${keys.admin}` }, { authorization: keys.admin }]) {
      const response = await fixture.app.inject({ method: 'GET', url: '/api/projections', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="twofold"/);
      expect(response.json().error.code).toBe('unauthorized');
    }
  });

  it('answers 403 naming the role needed, before reading the body, and changes nothing', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys } });
    close = fixture.close;
    const response = await fixture.app.inject({ method: 'POST', url: '/test/counters/a/increment', headers: bearer(keys.reader), payload: { by: 1 } });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/needs the writer role/), details: { required: 'writer', role: 'reader' } } });
    expect(await fixture.eventStore.head()).toBeUndefined();
    const accepted = await fixture.app.inject({ method: 'POST', url: '/test/counters/a/increment', headers: bearer(keys.writer), payload: { by: 1 } });
    expect(accepted.statusCode).toBe(202);
    // the event records which key asked: the writer's position in the list, never the key
    const [event] = await fixture.eventStore.readStream('counter-a');
    expect(event?.metadata.actor).toBe('key-2');
  });

  it('asks a key even for unknown routes, so a caller without one learns nothing', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys } });
    close = fixture.close;
    expect((await fixture.app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(401);
    expect((await fixture.app.inject({ method: 'GET', url: '/nowhere', headers: bearer(keys.reader) })).statusCode).toBe(404);
  });

  it('leaves public routes open', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys } });
    close = fixture.close;
    expect((await fixture.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
  });
});

describe('without keys', () => {
  it('leaves every route open', async () => {
    const fixture = await createTestApp({ access: { table, apiKeys: parseApiKeys(undefined) } });
    close = fixture.close;
    expect((await fixture.app.inject({ method: 'POST', url: '/test/counters/a/increment', payload: { by: 1 } })).statusCode).toBe(202);
    expect((await fixture.app.inject({ method: 'GET', url: '/api/streams/counter-a' })).statusCode).toBe(200);
  });
});

describe('bearerToken', () => {
  it('takes the token of a Bearer header, any case, and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
