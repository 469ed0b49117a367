// The consistency history checker's short run: a few hundred concurrent operations against a server process on
// PostgreSQL, SIGKILLed twice and restarted on the same database, then the whole history checked. `npm run
// test:history -- --ops N [--kills K] [--concurrency C] [--seed S]` runs a long one through this same file.
import { createTestDatabase } from '@twofold/testing';
import { expect, it } from 'vitest';
import { checkHistory } from './check-history.js';
import { runWorkload } from './workload.js';

const operations = Number(process.env.TWOFOLD_HISTORY_OPS ?? 300);
const kills = Number(process.env.TWOFOLD_HISTORY_KILLS ?? 2);
const concurrency = Number(process.env.TWOFOLD_HISTORY_CONCURRENCY ?? 8);
const seed = process.env.TWOFOLD_HISTORY_SEED === undefined ? undefined : Number(process.env.TWOFOLD_HISTORY_SEED);

it(
  `${operations} operations with ${kills} SIGKILLs of the server leave a history without anomalies`,
  async () => {
    const database = await createTestDatabase();
    const started = Date.now();
    let history: Awaited<ReturnType<typeof runWorkload>> | undefined;
    try {
      history = await runWorkload({ store: database.url, operations, kills, concurrency, ...(seed === undefined ? {} : { seed }), log: (line) => console.info(line) });
      const ranMs = Date.now() - started;
      const report = await checkHistory(history, database.url);
      const outcomes = history.operations.reduce<Record<string, number>>((counts, op) => ({ ...counts, [op.outcome]: (counts[op.outcome] ?? 0) + 1 }), {});
      console.info(
        [
          `history (seed ${history.seed}): ${report.operations} operations in ${(ranMs / 1000).toFixed(1)} s, ${history.kills} SIGKILLs (restarts ${history.restartMs.join(', ')} ms), outcomes ${JSON.stringify(outcomes)}`,
          `commands: ${report.commands.acknowledged} acknowledged, ${report.commands.found} found in the store, ${report.commands.refused} refused, ${report.commands.unknown} unanswered (${report.commands.unknownApplied} of them applied)`,
          `token reads: ${report.reads.withToken}, ${report.reads.caughtUp} caught-up (${report.reads.checked} checked), ${report.reads.stale} stale; ${report.events} events; read models equal to a rebuild: ${report.readModelsCompared.join(', ')}`,
          `anomalies: ${report.anomalies.length}`,
        ].join('\n'),
      );
      expect(history.kills).toBe(kills);
      expect(report.commands.acknowledged).toBeGreaterThan(operations / 4);
      expect(report.readModelsCompared.length).toBeGreaterThanOrEqual(7);
      expect(report.anomalies).toEqual([]);
    } finally {
      await history?.server.kill('SIGKILL');
      await database.drop();
    }
  },
  Math.max(180_000, operations * 200),
);
