// Measurement, not a check (runs only with TWOFOLD_PARTITION_BENCH=1): how fast 1, 2 and 4 projector processes build the
// partitioned read models from a JetStream stream that already holds a seeded shop's log, and the CPU each spends.
//   TWOFOLD_PARTITION_BENCH=1 [TWOFOLD_PARTITION_BENCH_ORDERS=3000] [TWOFOLD_PARTITION_BENCH_WORKERS=1,2,4] npx vitest run apps/shop/test/partition-throughput.int.test.ts
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readEventStreamState, readRelayedEvents } from '@twofold/nats';
import { openSqlClient } from '@twofold/postgres';
import { createTestDatabase, startNatsServers, type NatsTestServers, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const enabled = process.env['TWOFOLD_PARTITION_BENCH'] === '1';
const orders = Number(process.env['TWOFOLD_PARTITION_BENCH_ORDERS'] ?? 3_000);
const bin = fileURLToPath(new URL('../dist/bin/twofold.js', import.meta.url));

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe.skipIf(!enabled)('partitioned projection throughput', () => {
  let nats: NatsTestServers;
  let events: TestDatabase;
  let relay: ShopProcess;
  /** Each partition's stream sequences, in order: how many of its events a checkpoint at a sequence covers. */
  let sequencesOf: Map<number, number[]>;
  let total = 0;
  beforeAll(async () => {
    [nats, events] = await Promise.all([startNatsServers({ nodes: 1 }), createTestDatabase(undefined, { label: 'partition-bench' })]);
    await promisify(execFile)(process.execPath, [bin, 'seed', '--orders', String(orders), '--store', events.url], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    relay = await spawnShop(['--store', events.url, '--role', 'relay', '--bus', nats.urls], { LOG_LEVEL: 'warn' });
    const location = { servers: nats.urls };
    const log = await openSqlClient(events.url);
    const { rows } = await log.query<{ n: string }>('SELECT count(*) AS n FROM twofold_events');
    await log.close();
    total = Number(rows[0]!.n);
    while ((await readEventStreamState(location)).messages < total) await new Promise((resolve) => setTimeout(resolve, 250));
    sequencesOf = new Map();
    for (const message of await readRelayedEvents(location)) sequencesOf.set(message.partition, [...(sequencesOf.get(message.partition) ?? []), message.sequence]);
  }, 600_000);
  afterAll(async () => {
    await relay?.kill('SIGKILL');
    await events?.drop();
    await nats?.stop();
  });

  for (const workers of (process.env['TWOFOLD_PARTITION_BENCH_WORKERS'] ?? '1,2,4').split(',').map(Number)) {
    it(`${workers} projector process(es)`, async () => {
      const readStore = await createTestDatabase(undefined, { label: `partition-bench-${workers}` });
      const projectors: ShopProcess[] = [];
      try {
        projectors.push(...(await Promise.all(Array.from({ length: workers }, () => spawnShop(['--store', events.url, '--read-store', readStore.url, '--role', 'projector', '--bus', nats.urls], { LOG_LEVEL: 'warn' })))));
        const client = await openSqlClient(readStore.url);
        const progress = async () => (await client.query<{ partition: number; sequence: string }>('SELECT partition, sequence FROM twofold_partition_checkpoints')).rows;
        // applied events over time; the rate is taken between 20 % and 90 % of the log, past the start and the first
        // rebalancing (a process alone for its first round takes every partition), before the tail
        const applied = (rows: readonly { partition: number; sequence: string }[]): number =>
          rows.reduce((sum, row) => sum + (sequencesOf.get(row.partition) ?? []).filter((sequence) => sequence <= Number(row.sequence)).length, 0);
        const marks: { at: number; cpu: number[] }[] = [];
        for (const fraction of [0.2, 0.9]) {
          while (applied(await progress()) < fraction * total) await new Promise((resolve) => setTimeout(resolve, 20));
          marks.push({ at: performance.now(), cpu: await Promise.all(projectors.map((p) => cpuSeconds(p.child.pid!))) });
        }
        const [from, to] = marks as [(typeof marks)[0], (typeof marks)[0]];
        const seconds = (to.at - from.at) / 1_000;
        const measured = 0.7 * total;
        const cpu = to.cpu.map((c, i) => c - from.cpu[i]!);
        const cpuTotal = cpu.reduce((a, b) => a + b, 0);
        console.log(
          `${workers} projector process(es): ${Math.round(measured)} events (20 %→90 % of ${total}) in ${seconds.toFixed(2)} s = ${Math.round(measured / seconds)} events/s; ` +
            `projector CPU ${cpu.map((c) => c.toFixed(2)).join(' + ')} s = ${Math.round(measured / cpuTotal)} events per projector CPU-second`,
        );
        await client.close();
      } finally {
        await Promise.all(projectors.map((p) => p.kill('SIGKILL')));
        await readStore.drop();
      }
    }, 300_000);
  }
});
