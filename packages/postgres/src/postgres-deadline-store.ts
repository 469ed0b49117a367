// The deadline store on PostgreSQL and PGlite: deadlines claimed with SKIP LOCKED under a lease on the server's clock.
import type { DeadlineCounts, DeadlineStore, DueDeadline, ProcessCommand } from '@twofold/core';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { claimDueDeadlines } from './statements/claim-due-deadlines.js';
import { countDeadlines } from './statements/count-deadlines.js';
import { finishDeadline } from './statements/finish-deadline.js';
import { readNextDeadline } from './statements/read-next-deadline.js';
import { releaseDeadline } from './statements/release-deadline.js';

interface ClaimedRow {
  id: string;
  process: string;
  instance: string;
  name: string;
  due_at: Date | string;
  command: ProcessCommand;
  causation_id: string;
  correlation_id: string;
  attempts: number;
}

/** Deadlines in the event store's database (the tables of migration 9), written by `postgresProcessManager`. */
export function postgresDeadlineStore(client: PostgresClient): DeadlineStore {
  return {
    async claimDue({ owner, limit, leaseMs }) {
      const { rows } = await runStatement<ClaimedRow>(client, claimDueDeadlines, [owner, leaseMs, limit]);
      return rows
        .map((row): DueDeadline => ({
          id: row.id,
          process: row.process,
          instance: row.instance,
          name: row.name,
          dueAt: new Date(row.due_at),
          command: row.command,
          causationId: row.causation_id,
          correlationId: row.correlation_id,
          attempts: Number(row.attempts),
        }))
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    },
    async finish(id, owner, outcome, detail) {
      return (await runStatement(client, finishDeadline, [id, owner, outcome, detail ?? null])).rows.length > 0;
    },
    async release(id, owner, retryInMs) {
      await runStatement(client, releaseDeadline, [id, owner, retryInMs]);
    },
    async nextDueAt() {
      const next = (await runStatement<{ next_at: Date | string | null }>(client, readNextDeadline)).rows[0]?.next_at;
      return next === null || next === undefined ? undefined : new Date(next);
    },
    async counts(lateAfterMs) {
      const { rows } = await runStatement<{ state: keyof DeadlineCounts; count: number }>(client, countDeadlines, [lateAfterMs]);
      const counts = { pending: 0, late: 0, fired: 0, rejected: 0, cancelled: 0 };
      for (const row of rows) counts[row.state] = Number(row.count);
      return counts;
    },
  };
}
