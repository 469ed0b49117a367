// Closing the app: requests in flight finish, new ones and readiness answer 503 shutting_down, stragglers are cut at the grace.
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from './test-app.fixture.js';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

/** One request on `agent`, resolving to status and body, or to the socket error. */
function send(agent: Agent, port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string; connection: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const outgoing = request({ agent, port, host: '127.0.0.1', method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, connection: response.headers.connection }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    outgoing.end(body);
  });
}

/** A request whose headers are sent but for their last line: finish() sends it and resolves to the raw answer. */
async function startedRequest(port: number, path: string): Promise<() => Promise<string>> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n`);
  let answer = '';
  socket.on('data', (data) => (answer += data.toString()));
  const ended = new Promise<string>((resolve) => socket.once("close", () => resolve(answer)));
  return () => {
    socket.write('\r\n');
    return ended;
  };
}

describe('closing the app', () => {
  it('lets requests in flight finish and answers new ones 503 shutting_down, readiness included', async () => {
    // the projection takes 400 ms a batch, so a read of one's own write is in flight that long
    const fixture = await createTestApp({ applyDelayMs: 400 });
    close = fixture.close;
    fixture.daemon.start();
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fixture.app.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true });
    expect(await send(agent, port, 'POST', '/test/counters/a/increment', '{"by":1}')).toMatchObject({ status: 202, connection: 'keep-alive' });
    const inFlight = send(agent, port, 'GET', '/test/counters/a?minPosition=1');
    const lateRequests = await Promise.all(['/health/ready', '/test/counters/a'].map((path) => startedRequest(port, path)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = fixture.app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // requests that arrive now, on connections opened before, are refused in the Twofold shape
    for (const late of await Promise.all(lateRequests.map((finish) => finish()))) {
      expect(late).toMatch(/^HTTP\/1\.1 503 /);
      expect(late).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(late).toMatch(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'shutting_down', message: expect.any(String), details: {} } });
    }
    // the one in flight finishes, and its connection closes after it
    expect(await inFlight).toMatchObject({ status: 200, connection: 'close', body: '{"id":"a","total":1}' });
    await closed;
    agent.destroy();
  });

  it('drains first: still serving, but readiness answers 503 and every answer closes its connection', async () => {
    const fixture = await createTestApp({ shutdownDrainMs: 400 });
    close = fixture.close;
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fixture.app.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true });
    expect(await send(agent, port, 'GET', '/health/ready')).toMatchObject({ status: 200, connection: 'keep-alive' });
    const closed = fixture.app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ready = await send(agent, port, 'GET', '/health/ready');
    expect(ready).toMatchObject({ status: 503, connection: 'close' });
    expect(JSON.parse((ready as { body: string }).body).error.code).toBe('shutting_down');
    expect(await send(agent, port, 'POST', '/test/counters/a/increment', '{"by":1}')).toMatchObject({ status: 202, connection: 'close' });
    await closed;
    expect(await send(agent, port, 'GET', '/health/live')).toEqual({ error: 'ECONNREFUSED' });
  });

  it('closes the connections still open after the grace', async () => {
    const fixture = await createTestApp({ shutdownGraceMs: 100, applyDelayMs: 10_000 });
    close = fixture.close;
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fixture.app.server.address() as { port: number };
    // a query waiting (up to 3 s) for a position the slow projection has not reached holds its connection
    expect(await send(new Agent(), port, 'POST', '/test/counters/a/increment', '{"by":1}')).toMatchObject({ status: 202 });
    const stuck = send(new Agent({ keepAlive: false }), port, 'GET', '/test/counters/a?minPosition=1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await fixture.app.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await stuck).toEqual({ error: 'ECONNRESET' });
  });
});
