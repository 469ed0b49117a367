// A paced wrk sends the rate it is asked for, in all its threads together, where the server keeps up: run against a
// plain Node HTTP server that counts what it is sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireWrk, runWrk } from './wrk.js';

let server: Server;
let received = 0;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    received++;
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('wrk paced to a rate', () => {
  it('sends about the rate asked over its run, far below what the same connections send unpaced', async () => {
    const wrk = requireWrk();
    const options = { wrk, baseUrl, paths: ['/a', '/b'], threads: 2, connections: 8, durationMs: 3_000 };
    received = 0;
    const paced = await runWrk({ ...options, ratePerSec: 400 });
    // 400/s for 3 s: 1,200 scheduled, plus the first request of each connection, which wrk sends unpaced
    expect(paced.requests).toBeGreaterThan(1_200 * 0.85);
    expect(paced.requests).toBeLessThan(1_200 * 1.15 + 8);
    expect(received).toBeGreaterThanOrEqual(paced.requests);
    const unpaced = await runWrk({ ...options, durationMs: 1_000 });
    expect(unpaced.requestsPerSec).toBeGreaterThan(3 * paced.requestsPerSec);
  });
});
