// A 2 MB body gets a readable 413 with Node's fetch (it used to fail with EPIPE), as does a refusal before the body.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseApiKeys } from './api-keys.js';
import { createTestApp } from './test-app.fixture.js';

const run = promisify(execFile);

let close: () => Promise<void> = async () => {};
afterEach(() => close());

const twoMegabytes = 2 * 2 ** 20;

/**
 * Posts a 2 MB body `times` times with Node's fetch from a process of its own (a client in the server's own process
 * is too slow to race it), streamed in chunks or with a Content-Length; resolves to the distinct outcomes.
 */
async function postFromAnotherProcess(url: string, times: number, headers: Record<string, string> = {}): Promise<string[]> {
  const script = `
    const [url, times, headers] = JSON.parse(process.argv[1]);
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    const streamed = () => { let sent = 0; return new ReadableStream({ pull(c) { if (sent >= ${twoMegabytes}) return c.close(); sent += chunk.length; c.enqueue(chunk); } }); };
    const outcomes = new Set();
    for (let i = 0; i < times; i++) {
      for (const body of [streamed(), JSON.stringify({ by: 1, pad: 'x'.repeat(${twoMegabytes}) })]) {
        try {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, duplex: 'half' });
          outcomes.add(response.status + ' ' + (await response.json()).error.code);
        } catch (error) {
          outcomes.add('failed: ' + (error.cause?.code ?? error));
        }
      }
    }
    process.stdout.write(JSON.stringify([...outcomes]));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([url, times, headers])]);
  return JSON.parse(stdout) as string[];
}

describe('a body over the limit', () => {
  it('gets a 413 that Node’s fetch can read, streamed or with a Content-Length', async () => {
    const fixture = await createTestApp();
    close = fixture.close;
    const base = await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `${base}/test/counters/a/increment`;
    expect(await postFromAnotherProcess(url, 15)).toEqual(['413 body_too_large']);
    expect(await fixture.eventStore.head()).toBeUndefined();
    // the connection is still good afterwards
    const after = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"by":1}' });
    expect(after.status).toBe(202);
  }, 60_000);

  it('gets its 401 the same way when refused before the body is read', async () => {
    const table = { 'POST /test/counters/:id/increment': 'writer', 'POST /test/fail/:kind': 'writer', 'GET /test/counters/:id': 'reader', 'GET /api/streams/:id': 'admin', 'GET /api/projections': 'reader', 'GET /health/live': 'public', 'GET /health/ready': 'public', 'GET /api/openapi.json': 'reader' } as const;
    const fixture = await createTestApp({ access: { table, apiKeys: parseApiKeys('writer-key-0123456789:writer') } });
    close = fixture.close;
    const base = await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    expect(await postFromAnotherProcess(`${base}/test/counters/a/increment`, 10)).toEqual(['401 unauthorized']);
  }, 60_000);

  it('is read and dropped only up to a bound: a client that keeps sending is cut off', async () => {
    const fixture = await createTestApp();
    close = fixture.close;
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fixture.app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /test/counters/a/increment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (data) => (received += data.toString()));
    const piece = 'x'.repeat(256 * 1024);
    let written = 0;
    let open = true;
    void closed.then(() => (open = false));
    while (open && written < 64 * 2 ** 20) {
      socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      written += piece.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413/);
    expect(written).toBeLessThan(64 * 2 ** 20);
  }, 60_000);
});
