// A request that takes too long to arrive gets 408 and its connection closes; the option is checked.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from './create-http-app.js';
import { createTestApp } from './test-app.fixture.js';

let close: () => Promise<void> = async () => {};
afterEach(() => close());

describe('requestTimeoutMs', () => {
  it('answers 408 to a body that stops arriving, within about the timeout', async () => {
    const fixture = await createTestApp({ requestTimeoutMs: 300 });
    close = fixture.close;
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fixture.app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = Date.now();
    socket.write('POST /test/counters/a/increment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"by":');
    let answer = '';
    socket.on('data', (data) => (answer += data.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await fixture.eventStore.head()).toBeUndefined();
  });

  it('defaults to 30 s and refuses nonsense', async () => {
    const app = await createHttpApp();
    close = () => app.close();
    expect(app.server.requestTimeout).toBe(30_000);
    await expect(createHttpApp({ requestTimeoutMs: -1 })).rejects.toThrow(/requestTimeoutMs/);
    await expect(createHttpApp({ connectionTimeoutMs: 1.5 })).rejects.toThrow(/connectionTimeoutMs/);
  });
});
