// The relay against a real nats-server of the test's own (one node, R1), over the in-memory log: publishes each
// event once in log order, resumes after the stream's last event, and two relays that both believe they lead still
// leave each event in the stream exactly once.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { inMemoryEventStore, inMemoryProjectionStore, silentLogger, type EventStore, type ProjectionLease, type StoredEvent } from '@twofold/core';
import { startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEventStream } from './event-stream.js';
import { readEventStreamState, readRelayedEvents } from './event-stream-reader.js';
import { createJetStreamRelay, type JetStreamRelay, type JetStreamRelayOptions } from './jetstream-relay.js';
import { parseBusUrl } from './bus-url.js';

let nats: NatsTestServers;
let streams = 0;
beforeAll(async () => {
  nats = await startNatsServers({ nodes: 1 });
});
afterAll(async () => {
  await nats?.stop();
});

/** A lease that is always granted: what two relays see when a lease store misbehaves or one's lease lapsed unnoticed. */
const alwaysGranted = async (): Promise<ProjectionLease> => ({ lost: false, release: async () => undefined });

/** A stream and subject prefix of the test's own: streams may not overlap in subjects. */
const uniqueStream = (): { streamName: string; subjectPrefix: string } => {
  streams++;
  return { streamName: `RELAY_TEST_${streams}`, subjectPrefix: `relay-test.${streams}` };
};

async function appendEvents(store: EventStore, count: number, streamsOf = 17): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    const streamId = i % 3 === 0 ? `order.${i % streamsOf}` : `order-${i % streamsOf}`;
    await store.appendToStream(streamId, Array.from({ length: Math.min(10, count - i) }, (_, k) => ({ type: 'Counted', data: { n: i + k } })), { expectedVersion: 'any' });
  }
}

async function untilPublished(location: { servers: string; streamName: string; subjectPrefix: string }, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readEventStreamState(location).catch(() => undefined);
    if (state !== undefined && state.messages >= count) return;
    if (Date.now() > deadline) throw new Error(`the stream holds ${state?.messages} of ${count} events after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A stream as the relay would create it, with another duplicate window (in nanoseconds). */
async function createStream(name: string, subjectPrefix: string, duplicateWindowNanos: number): Promise<void> {
  const nc = await connect({ servers: parseBusUrl(nats.urls) });
  try {
    await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${subjectPrefix}.>`], duplicate_window: duplicateWindowNanos, num_replicas: 1 });
  } finally {
    await nc.close();
  }
}

const allEvents = async (store: EventStore): Promise<readonly StoredEvent[]> => store.readAll({ after: { transactionId: 0, position: 0 }, limit: 1_000_000 });

describe('JetStream relay on one node', () => {
  const relays: JetStreamRelay[] = [];
  const relay = (options: Partial<JetStreamRelayOptions> & Pick<JetStreamRelayOptions, 'eventStore' | 'streamName' | 'subjectPrefix'>): JetStreamRelay => {
    const created = createJetStreamRelay({ servers: nats.urls, tryAcquireLease: alwaysGranted, ...options });
    relays.push(created);
    created.start();
    return created;
  };
  afterAll(async () => {
    await Promise.all(relays.map((r) => r.stop()));
  });

  it('publishes each event once, in log order, with the log cursor in its headers, and resumes after the last one', async () => {
    const eventStore = inMemoryEventStore();
    const { streamName, subjectPrefix } = uniqueStream();
    const location = { servers: nats.urls, streamName, subjectPrefix };
    await appendEvents(eventStore, 1_000);
    const first = relay({ eventStore, streamName, subjectPrefix });
    await untilPublished(location, 1_000);
    await appendEvents(eventStore, 200);
    await untilPublished(location, 1_200);
    await first.stop();
    expect(first.stats()).toMatchObject({ published: 1_200, lagEvents: 0, resumes: 0 });

    const messages = await readRelayedEvents(location);
    expect(messages.map((m) => m.event)).toEqual(await allEvents(eventStore));
    expect(messages.map((m) => m.sequence)).toEqual(messages.map((_, i) => i + 1));

    // a new relay goes on after the stream's last event: it publishes only what was appended since
    await appendEvents(eventStore, 30);
    const second = relay({ eventStore, streamName, subjectPrefix });
    await untilPublished(location, 1_230);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await second.stop();
    expect(second.stats().published).toBe(30);
    expect((await readRelayedEvents(location)).map((m) => m.event)).toEqual(await allEvents(eventStore));
  });

  it('resumes from the stream, not the duplicate window: after it expired, a restart republishes nothing', async () => {
    const eventStore = inMemoryEventStore();
    const { streamName, subjectPrefix } = uniqueStream();
    // a stream as the relay would create it, but with a duplicate window of 100 ms
    await createStream(streamName, subjectPrefix, 100_000_000);
    const location = { servers: nats.urls, streamName, subjectPrefix };
    await appendEvents(eventStore, 100);
    const first = relay({ eventStore, streamName, subjectPrefix });
    await untilPublished(location, 100);
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = relay({ eventStore, streamName, subjectPrefix });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await second.stop();
    expect(second.stats().published).toBe(0);
    expect((await readEventStreamState(location)).messages).toBe(100);
  });

  it('keeps each event once and in order when two relays both think they hold the lease', async () => {
    const eventStore = inMemoryEventStore();
    const { streamName, subjectPrefix } = uniqueStream();
    const location = { servers: nats.urls, streamName, subjectPrefix };
    await appendEvents(eventStore, 3_000);
    const a = relay({ eventStore, streamName, subjectPrefix, maxInFlight: 64, retryBackoffMs: 5 });
    const b = relay({ eventStore, streamName, subjectPrefix, maxInFlight: 64, retryBackoffMs: 5 });
    await untilPublished(location, 3_000);
    await appendEvents(eventStore, 1_000);
    await untilPublished(location, 4_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([a.stop(), b.stop()]);
    const messages = await readRelayedEvents(location);
    expect(messages.map((m) => m.event)).toEqual(await allEvents(eventStore));
    expect(a.stats().published + b.stats().published).toBe(4_000);
  });

  it('refuses a relay that lags behind another, even after the duplicate window', async () => {
    const eventStore = inMemoryEventStore();
    const { streamName, subjectPrefix } = uniqueStream();
    const location = { servers: nats.urls, streamName, subjectPrefix };
    // the shortest duplicate window JetStream takes (100 ms): Nats-Msg-Id alone does not stop a late copy
    await createStream(streamName, subjectPrefix, 100_000_000);
    await appendEvents(eventStore, 500);
    const leader = relay({ eventStore, streamName, subjectPrefix });
    await untilPublished(location, 500);
    // a relay that read the stream's tail, then stalled (a long GC pause, a lost lease it has not noticed yet) ...
    let stalled = true;
    const stalling: EventStore = {
      ...eventStore,
      readAll: async (options) => {
        if (stalled) await new Promise((resolve) => setTimeout(resolve, 800));
        stalled = false;
        return eventStore.readAll(options);
      },
    };
    const late = relay({ eventStore: stalling, streamName, subjectPrefix });
    while (late.stats().streamSequence === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    // ... while the other published what came next, long enough ago for the duplicate window to have passed
    await appendEvents(eventStore, 300);
    await untilPublished(location, 800);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await Promise.all([leader.stop(), late.stop()]);
    expect(late.stats().resumes).toBeGreaterThan(0);
    expect(late.stats().published).toBe(0);
    expect((await readRelayedEvents(location)).map((m) => m.event)).toEqual(await allEvents(eventStore));
  });

  it('publishes nothing while another relay holds the lease, and takes over when it is released', async () => {
    const eventStore = inMemoryEventStore();
    const leases = inMemoryProjectionStore();
    const { streamName, subjectPrefix } = uniqueStream();
    const location = { servers: nats.urls, streamName, subjectPrefix };
    await appendEvents(eventStore, 200);
    const active = relay({ eventStore, streamName, subjectPrefix, tryAcquireLease: (name) => leases.tryAcquireLease(name) });
    await untilPublished(location, 200);
    const standby = relay({ eventStore, streamName, subjectPrefix, tryAcquireLease: (name) => leases.tryAcquireLease(name), leaseRetryMs: 50 });
    await appendEvents(eventStore, 200);
    await untilPublished(location, 400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(standby.stats()).toMatchObject({ state: 'standby', published: 0 });
    await active.stop();
    await appendEvents(eventStore, 100);
    await untilPublished(location, 500);
    expect(standby.stats().published).toBe(100);
    expect((await readRelayedEvents(location)).map((m) => m.event)).toEqual(await allEvents(eventStore));
  });

  it('creates its stream once and refuses one that would discard events or partitions differently', async () => {
    const nc = await connect({ servers: parseBusUrl(nats.urls) });
    try {
      const jsm = await jetstreamManager(nc);
      const { streamName, subjectPrefix } = uniqueStream();
      const settings = { name: streamName, subjectPrefix, partitions: 32, replicas: 1 };
      await ensureEventStream(jsm, settings, silentLogger);
      await ensureEventStream(jsm, settings, silentLogger);
      const { config } = await jsm.streams.info(streamName);
      expect(config).toMatchObject({ subjects: [`${subjectPrefix}.>`], max_age: 0, num_replicas: 1, description: 'twofold events; partitions=32' });
      await expect(ensureEventStream(jsm, { ...settings, partitions: 16 }, silentLogger)).rejects.toThrow(/created with 32 partitions, not 16/);

      const aging = uniqueStream();
      await jsm.streams.add({ name: aging.streamName, subjects: [`${aging.subjectPrefix}.>`], max_age: 3_600_000_000_000 });
      await expect(ensureEventStream(jsm, { ...settings, name: aging.streamName, subjectPrefix: aging.subjectPrefix }, silentLogger)).rejects.toThrow(/max_age/);
    } finally {
      await nc.close();
    }
  });
});
