import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createHttpApp } from './create-http-app.js';
import { parseApiKeys } from './api-keys.js';
import { logRedactions, requestLogLevel } from './request-log.js';

/** The app with a pino logger at `level` writing JSON lines into an array. */
async function appLogging(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await createHttpApp({ logger: pino({ level }, sink), slowRequestMs: 50 });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/slow', async () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 80)));
  app.get('/broken', async () => {
    throw new Error('boom');
  });
  return { app, lines: () => lines.filter((l) => l['msg'] === 'request answered' || l['msg'] === 'incoming request' || l['msg'] === 'request completed') };
}

describe('request log', () => {
  it('logs a good read at debug only, one line, and a failure or a slow answer at info', async () => {
    const { app, lines } = await appLogging('info');
    for (let i = 0; i < 5; i++) expect((await app.inject('/ok')).statusCode).toBe(200);
    expect(lines()).toEqual([]);
    await app.inject('/missing');
    await app.inject('/broken');
    await app.inject('/slow');
    expect(lines().map((l) => [l['statusCode'], l['level']])).toEqual([
      [404, 30],
      [500, 50],
      [200, 40],
    ]);
    await app.close();
  });

  it('logs every request, one line each, at debug', async () => {
    const { app, lines } = await appLogging('debug');
    await app.inject('/ok');
    expect(lines()).toMatchObject([{ level: 20, method: 'GET', url: '/ok', statusCode: 200 }]);
    await app.close();
  });

  it('chooses the level from status and time', () => {
    expect(requestLogLevel(200, 5, 1_000)).toBe('debug');
    expect(requestLogLevel(202, 5, 1_000)).toBe('debug');
    expect(requestLogLevel(404, 5, 1_000)).toBe('info');
    expect(requestLogLevel(503, 5, 1_000)).toBe('error');
    expect(requestLogLevel(200, 1_000, 1_000)).toBe('warn');
  });
});

describe('API keys in logs', () => {
  it('never appear, whatever the request’s fate, even where a route logs the request’s headers', async () => {
    const keys = ['reader-key-0123456789', 'writer-key-0123456789', 'unknown-key-0123456789'];
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const apiKeys = parseApiKeys(`${keys[0]}:reader,${keys[1]}:writer`);
    const table = { 'GET /api/openapi.json': 'reader', 'GET /ok': 'reader', 'POST /write': 'writer', 'GET /broken': 'reader', 'GET /chatty': 'reader' } as const;
    const app = await createHttpApp({ logger: pino({ level: 'trace', redact: [...logRedactions] }, sink), access: { table, apiKeys } });
    app.get('/ok', async () => ({ ok: true }));
    app.post('/write', async () => ({ ok: true }));
    app.get('/broken', async (request) => {
      throw Object.assign(new Error('boom'), { headers: request.headers });
    });
    app.get('/chatty', async (request) => {
      request.log.info({ req: { headers: request.headers }, headers: request.headers }, 'what came in');
      return { ok: true };
    });
    for (const key of keys) {
      for (const [method, url] of [['GET', '/ok'], ['POST', '/write'], ['GET', '/broken'], ['GET', '/chatty'], ['GET', '/missing']] as const) {
        await app.inject({ method, url, headers: { authorization: `Bearer ${key}` } });
      }
    }
    await app.close();
    expect(text).toContain('request answered');
    expect(text).toContain('what came in');
    expect(text).toContain('[Redacted]');
    for (const key of keys) expect(text).not.toContain(key);
  });
});
