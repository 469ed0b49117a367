// The consistency history checker's short run: a few hundred concurrent operations against a server process on
// PostgreSQL, SIGKILLed twice and restarted on the same database, then the whole history checked. `npm run
// test:history -- --ops N [--kills K] [--concurrency C] [--seed S]` runs a long one through this same file.
import { openSqlClient } from '@twofold/postgres';
import { createTestDatabase } from '@twofold/testing';
import { expect, it } from 'vitest';
import { checkHistory } from './check-history.js';
import { runWorkload } from './workload.js';

const operations = Number(process.env.TWOFOLD_HISTORY_OPS ?? 300);
const kills = Number(process.env.TWOFOLD_HISTORY_KILLS ?? 2);
const projectorKills = Number(process.env.TWOFOLD_HISTORY_PROJECTOR_KILLS ?? 2);
const concurrency = Number(process.env.TWOFOLD_HISTORY_CONCURRENCY ?? 8);
const seed = process.env.TWOFOLD_HISTORY_SEED === undefined ? undefined : Number(process.env.TWOFOLD_HISTORY_SEED);

const topologies = [
  { name: 'one process (projector in a thread)', kills, projectorKills: 0 },
  { name: 'the projector in a process of its own', kills: Math.ceil(kills / 2), projectorKills },
];

it.each(topologies)(
  `${operations} operations with SIGKILLs of the server and the projector leave a history without anomalies: $name`,
  async (topology) => {
    const database = await createTestDatabase();
    const started = Date.now();
    let history: Awaited<ReturnType<typeof runWorkload>> | undefined;
    try {
      history = await runWorkload({
        store: database.url,
        operations,
        kills: topology.kills,
        projectorKills: topology.projectorKills,
        concurrency,
        ...(seed === undefined ? {} : { seed }),
        log: (line) => console.info(line),
      });
      const ranMs = Date.now() - started;
      const report = await checkHistory(history, database.url);
      const outcomes = history.operations.reduce<Record<string, number>>((counts, op) => ({ ...counts, [op.outcome]: (counts[op.outcome] ?? 0) + 1 }), {});
      console.info(
        [
          `history, ${topology.name} (seed ${history.seed}): ${report.operations} operations in ${(ranMs / 1000).toFixed(1)} s, ${history.kills} SIGKILLs of the server (restarts ${history.restartMs.join(', ')} ms), ${history.projectorKills} of a projector process, outcomes ${JSON.stringify(outcomes)}`,
          `commands: ${report.commands.acknowledged} acknowledged, ${report.commands.found} found in the store, ${report.commands.refused} refused, ${report.commands.unknown} unanswered (${report.commands.unknownApplied} of them applied)`,
          `token reads: ${report.reads.withToken}, ${report.reads.caughtUp} caught-up (${report.reads.checked} checked), ${report.reads.stale} stale; ${report.events} events; read models equal to a rebuild: ${report.readModelsCompared.join(', ')}`,
          `anomalies: ${report.anomalies.length}`,
        ].join('\n'),
      );
      expect(report.commands.acknowledged).toBeGreaterThan(operations / 4);
      expect(report.readModelsCompared.length).toBeGreaterThanOrEqual(7);
      // an anomaly comes with what the servers logged at warn or above, which is where a 5xx says why
      if (report.anomalies.length > 0) console.error(history.serverOutput().split('\n').filter((line) => /"level":(40|50|60)/.test(line)).join('\n'));
      expect(report.anomalies).toEqual([]);
    } finally {
      await history?.stop();
      await database.drop();
    }
  },
  Math.max(180_000, operations * 200),
);

it('the checker reports a lost acknowledged command, a command applied twice, a wrong balance and a token read the store contradicts', async () => {
  const database = await createTestDatabase();
  let history: Awaited<ReturnType<typeof runWorkload>> | undefined;
  try {
    history = await runWorkload({ store: database.url, operations: 80, kills: 0, concurrency: 4, seed: 7 });
    const acked = history.operations.filter((op) => op.outcome === 'ok');
    const lost = acked.find((op) => op.kind === 'restock')!;
    const twice = acked.find((op) => op.kind === 'add')!;
    const read = history.operations.find((op) => op.kind === 'read-order' && op.headers['x-consistency'] === 'caught-up')!;
    await checkHistory(history, database.url); // waits for the read models to apply everything before they are tampered with
    const client = await openSqlClient(database.url);
    try {
      await client.query(`DELETE FROM twofold_events WHERE metadata->>'correlationId' = $1`, [lost.correlationId]);
      await client.query(
        `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
         SELECT stream_id, 1000, gen_random_uuid(), event_type, data, metadata FROM twofold_events WHERE metadata->>'correlationId' = $1`,
        [twice.correlationId],
      );
      await client.query(`UPDATE merchant_balances SET charges_cents = charges_cents + 1`);
    } finally {
      await client.close();
    }
    (read.response as { status: string }).status = 'delivered';
    const report = await checkHistory(history, database.url);
    const found = report.anomalies.join('\n');
    expect(found).toContain(`${lost.correlationId}, ok 202): acknowledged (202, position`);
    expect(found).toContain(`${twice.correlationId}, ok 202): its events were written by 2 transactions`);
    expect(found).toMatch(/merchant .*: balances read .* charges\/refunds\/payouts/);
    expect(found).toMatch(/read model merchant_balances differs from a rebuild/);
    expect(found).toContain(`${read.correlationId}, ok 200): status delivered`);
  } finally {
    await history?.stop();
    await database.drop();
  }
});
