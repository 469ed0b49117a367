// GET /api/live over real HTTP: a `metrics` event a second with projections and rates; ends on disconnect and on shutdown.
import { execFile } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { product } from './shop-fixture.js';

interface Metrics {
  at: string;
  headPosition: number;
  projections: { name: string; status: string; position: number; lagEvents: number; lagMs: number; delayed: boolean }[];
  commandsPerSecond: number;
  eventsPerSecond: number;
}

/** A client of its own connection (no keep-alive pool), so the server's open connections are this stream's. */
function openStream(url: string): Promise<{ response: IncomingMessage; next(): Promise<Metrics>; close(): void }> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/api/live`, { agent: false }, (response) => {
      response.setEncoding('utf8');
      let buffer = '';
      const waiting: ((m: Metrics) => void)[] = [];
      const received: Metrics[] = [];
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.split('\n').includes('event: metrics')) continue;
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          const metrics = JSON.parse(data!.slice(6)) as Metrics;
          const waiter = waiting.shift();
          if (waiter === undefined) received.push(metrics);
          else waiter(metrics);
        }
      });
      resolve({
        response,
        next: () => {
          const ready = received.shift();
          return ready !== undefined ? Promise.resolve(ready) : new Promise((r) => waiting.push(r));
        },
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

const connections = (shop: Shop): Promise<number> => new Promise((resolve, reject) => shop.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

describe('GET /api/live', () => {
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
  });

  it('sends each projection’s status and lag and the rates of commands and events, once a second', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 } });
    const stream = await openStream(shop.url);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
    const first = await stream.next();
    expect(first.headPosition).toBe(0);
    expect(first.projections.map((p) => p.name)).toContain('orderSearch');
    for (const p of first.projections) expect(p).toMatchObject({ status: expect.any(String), position: 0, lagEvents: 0, lagMs: 0, delayed: false });

    for (let i = 0; i < 5; i += 1) expect((await shop.app.inject({ method: 'POST', url: '/api/products', payload: product(`live-${i}`, 10) })).statusCode).toBe(202);
    let latest = await stream.next();
    while (latest.headPosition < 5) latest = await stream.next();
    expect(latest.commandsPerSecond).toBeGreaterThan(0);
    expect(latest.eventsPerSecond).toBeGreaterThan(0);
    const second = await stream.next();
    expect(Date.parse(second.at) - Date.parse(latest.at)).toBeGreaterThanOrEqual(900);
    stream.close();
  });

  it('works with curl -N', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 } });
    const { stdout } = await promisify(execFile)('curl', ['-sN', '-m', '2', `${shop.url}/api/live`]).catch((error: { stdout: string; code: number }) => {
      // -m ends the transfer: curl's exit code 28 is the expected end of an endless stream
      if (error.code !== 28) throw error;
      return { stdout: error.stdout };
    });
    expect(stdout).toContain('event: metrics\ndata: {"at":');
  });

  it('lets a client go: the server drops its connection', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 } });
    const stream = await openStream(shop.url);
    await stream.next();
    expect(await connections(shop)).toBe(1);
    stream.close();
    await expect.poll(() => connections(shop!)).toBe(0);
  });

  it('ends open streams when the server stops, and does not hold the stop back', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 } });
    const stream = await openStream(shop.url);
    await stream.next();
    const ended = new Promise<void>((resolve) => stream.response.once('end', resolve));
    const started = Date.now();
    await shop.close();
    shop = undefined;
    await ended;
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('is in the OpenAPI document', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0 });
    const document = (await shop.app.inject({ url: '/api/openapi.json' })).json();
    expect(Object.keys(document.paths['/api/live'].get.responses['200'].content)).toEqual(['text/event-stream']);
  });
});
