// Crash safety of the relay: `twofold serve --role relay` killed with SIGKILL again and again while it publishes (and
// while commands keep appending), restarted each time; the stream ends holding each event exactly once, in log order,
// though nothing but the stream itself remembers how far the relay got.
import { readEventStreamState, readRelayedEvents } from '@twofold/nats';
import { startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExactlyTheLog, openTestLog, untilStreamHolds, wholeLog, writeEvents, type TestLog } from './relay-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

/** Events written in all; half before the first relay starts, half while it is being killed. */
const events = Number(process.env['TWOFOLD_RELAY_CRASH_EVENTS'] ?? 20_000);
const kills = Number(process.env['TWOFOLD_RELAY_CRASH_KILLS'] ?? 5);

describe('relay crash safety', () => {
  let nats: NatsTestServers;
  let log: TestLog;
  let relay: ShopProcess | undefined;
  beforeAll(async () => {
    [nats, log] = await Promise.all([startNatsServers({ nodes: 1 }), openTestLog('relay_crash')]);
  });
  afterAll(async () => {
    await relay?.kill('SIGKILL');
    await log?.close();
    await nats?.stop();
  });

  it(`publishes each of ${events} events exactly once across ${kills} SIGKILLs of the relay process`, { timeout: 300_000 }, async () => {
    const location = { servers: nats.urls };
    await writeEvents(log.eventStore, events / 2, { writers: 8 });
    const started = performance.now();
    // the second half arrives over about 10 s per kill (a run: 2-4 s to start the process, then 0.3-1.5 s), so the
    // kills land while there is still log to relay however fast the machine is
    const paceMs = Math.max(1, Math.ceil((kills * 10_000) / (events / 4)));
    const writing = writeEvents(log.eventStore, events / 2, { writers: 2, paceMs, offset: events / 2 });
    let killedMidRun = 0;
    let restarts = 0;
    const random = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));
    while (killedMidRun < kills) {
      expect(restarts, 'the relay finished before it could be killed often enough: raise TWOFOLD_RELAY_CRASH_EVENTS').toBeLessThan(kills * 4);
      relay = await spawnShop(['--store', log.database.url, '--role', 'relay', '--bus', nats.urls], { LOG_LEVEL: 'warn', TWOFOLD_LEASE_RETRY_MS: '100' });
      restarts++;
      await new Promise((resolve) => setTimeout(resolve, random(300, 1_500)));
      const before = (await readEventStreamState(location).catch(() => undefined))?.messages ?? 0;
      await relay.kill('SIGKILL');
      relay = undefined;
      if (before < events) killedMidRun++;
    }
    await writing;
    relay = await spawnShop(['--store', log.database.url, '--role', 'relay', '--bus', nats.urls], { LOG_LEVEL: 'warn' });
    await untilStreamHolds(location, events, 120_000);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const messages = await readRelayedEvents(location);
    console.log(`relay crash test: ${events} events, ${killedMidRun} SIGKILLs mid-run in ${restarts} runs, all published after ${seconds.toFixed(1)} s; stream holds ${messages.length} messages, ${new Set(messages.map((m) => m.event.eventId)).size} distinct event ids`);
    expectExactlyTheLog(messages, await wholeLog(log.eventStore, events));
  });
});
