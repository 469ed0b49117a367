// The relay on a 3-node JetStream cluster (R3 stream): the stream leader's node is SIGKILLed mid-run and brought back;
// once a new leader is elected the relay resumes, and every event ends in the stream exactly once, in log order.
import { createJetStreamRelay, readEventStreamState, readRelayedEvents, type JetStreamRelay } from '@twofold/nats';
import { openSqlClient, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyTheLog, openTestLog, untilStreamHolds, wholeLog, writeEvents, type TestLog } from './relay-fixture.js';

const events = Number(process.env['TWOFOLD_RELAY_CLUSTER_EVENTS'] ?? 20_000);

describe('relay to an R3 stream on a 3-node cluster', () => {
  let nats: NatsTestServers;
  let log: TestLog;
  let client: PostgresClient;
  let relay: JetStreamRelay | undefined;
  beforeAll(async () => {
    [nats, log] = await Promise.all([startNatsServers({ nodes: 3 }), openTestLog('relay_cluster')]);
    client = await openSqlClient(log.database.url);
  });
  afterAll(async () => {
    await relay?.stop();
    await client?.close();
    await log?.close();
    await nats?.stop();
  });

  it(`publishes ${events} events exactly once when the stream leader's node is killed and restarted`, { timeout: 240_000 }, async () => {
    const location = { servers: nats.urls };
    await writeEvents(log.eventStore, events / 2, { writers: 8 });
    const leases = postgresProjectionStore(client);
    const ackedAt: number[] = [];
    relay = createJetStreamRelay({
      servers: nats.urls,
      eventStore: log.eventStore,
      tryAcquireLease: (name) => leases.tryAcquireLease(name),
      replicas: 3,
      maxRetryBackoffMs: 1_000,
      onPublished: () => ackedAt.push(performance.now()),
    });
    const started = performance.now();
    relay.start();
    await untilStreamHolds(location, events / 2, 120_000);
    const backlogSeconds = (performance.now() - started) / 1000;
    console.log(`relay R3 loopback: ${events / 2} events of backlog in ${backlogSeconds.toFixed(2)} s = ${Math.round(events / 2 / backlogSeconds)} events/s`);

    // the rest while the stream's leader dies
    const writing = writeEvents(log.eventStore, events / 2, { writers: 2, paceMs: 2, offset: events / 2 });
    await untilStreamHolds(location, events / 2 + 500, 60_000);
    const state = await readEventStreamState(location);
    expect(state.replicas).toHaveLength(2);
    const leader = nats.node(state.leader!);
    const killedAt = performance.now();
    await leader.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await leader.restart();
    await writing;
    const log_ = await wholeLog(log.eventStore, events);
    await untilStreamHolds(location, events, 120_000);
    const after = await readEventStreamState(location);
    // the stall: the longest pause between acknowledgements from the kill on (the writers kept appending throughout)
    const acks = [killedAt, ...ackedAt.filter((at) => at > killedAt)];
    const stalledMs = Math.max(...acks.slice(1).map((at, i) => at - acks[i]!));
    expect(stalledMs, 'publishing stalled longer than 30 s after the leader loss').toBeLessThan(30_000);
    console.log(`relay R3 leader loss: leader ${leader.name} killed (back after 2 s); longest pause in publishing ${Math.round(stalledMs)} ms; new leader ${after.leader}; ${relay.stats().resumes} pipeline resumes; ${events} events in the stream exactly once`);
    const messages = await readRelayedEvents(location);
    expectExactlyTheLog(messages, log_);
  });
});
