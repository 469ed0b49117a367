// Reading a partition with an ordered consumer (one nats-server of the test's own): messages of the filter only, in
// stream order, from a sequence on; a consumer that delivers nothing while the stream is said to hold more is recreated
// from the last sequence handled.
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBusUrl } from './bus-url.js';
import { readOrdered } from './ordered-reader.js';

let nats: NatsTestServers;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNatsServers({ nodes: 1 });
  nc = await connect({ servers: parseBusUrl(nats.urls) });
  await (await jetstreamManager(nc)).streams.add({ name: 'ORDERED', subjects: ['ordered.>'] });
  const js = jetstream(nc);
  for (let i = 1; i <= 20; i++) await js.publish(`ordered.${i % 2}.s${i}`, new TextEncoder().encode(String(i)));
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('readOrdered', () => {
  it('delivers the filter\'s messages after a sequence, in stream order, in batches', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await readOrdered({
      js: jetstream(nc), streamName: 'ORDERED', filter: 'ordered.1.>', after: () => 5, batchSize: 3, signal: controller.signal,
      async handle(messages: readonly JsMsg[]) {
        expect(messages.length).toBeLessThanOrEqual(3);
        seen.push(...messages.map((m) => m.seq));
        return seen.at(-1) === 19 ? 'stop' : 'continue';
      },
    });
    expect(seen).toEqual([7, 9, 11, 13, 15, 17, 19]);
  });

  it('recreates a consumer that delivers nothing while the stream is said to hold more, from the last sequence handled', async () => {
    const controller = new AbortController();
    const reasons: string[] = [];
    const starts: number[] = [];
    let handled = 0;
    const reading = readOrdered({
      js: jetstream(nc), streamName: 'ORDERED', filter: 'ordered.0.>', after: () => handled, batchSize: 100, signal: controller.signal, stallMs: 1_000,
      behind: () => true,
      onCreated: (after) => starts.push(after),
      onRecreate: (reason) => reasons.push(reason),
      async handle(messages) {
        handled = messages.at(-1)!.seq;
        return 'continue';
      },
    });
    await expect.poll(() => starts.length, { timeout: 10_000 }).toBeGreaterThan(1);
    controller.abort();
    await reading;
    expect(reasons[0]).toMatch(/delivered nothing for 1000 ms after sequence 20/);
    expect(starts.slice(0, 2)).toEqual([0, 20]);
  });
});
