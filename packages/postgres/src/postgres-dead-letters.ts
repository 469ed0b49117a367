// Dead letters on PostgreSQL: events a projection could not apply, parked in twofold_dead_letters until retried or dropped.
import { NotFound, type DeadLetter, type DeadLetterAdministration, type NewDeadLetter, type StoredEvent } from '@twofold/core';
import { toDate } from './event-row.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import type { DeclaredTables, ProjectionGenerations } from './projection-generations.js';
import type { ProjectionNotifications } from './projection-notifications.js';
import type { SqlSession } from './sql-client.js';
import { clearDeadLetterRetry } from './statements/clear-dead-letter-retry.js';
import { deleteDeadLetter } from './statements/delete-dead-letter.js';
import { dropDeadLetters } from './statements/drop-dead-letters.js';
import { lockDeadLetter } from './statements/lock-dead-letter.js';
import { readDeadLetters, type DeadLetterRow } from './statements/read-dead-letters.js';
import { recordDeadLetterError } from './statements/record-dead-letter-error.js';
import { requestDeadLetterRetry } from './statements/request-dead-letter-retry.js';

/** A letter as insertDeadLetters takes it, one element of its JSON array. */
export const toDeadLetterRow = ({ event, error }: NewDeadLetter) => ({
  eventId: event.eventId,
  streamId: event.streamId,
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
  event,
  error,
});

const toDeadLetter = (row: DeadLetterRow): DeadLetter => {
  const event = row.event as unknown as StoredEvent & { recordedAt: string };
  return { id: String(row.id), projection: row.projection, event: { ...event, recordedAt: new Date(event.recordedAt) }, error: row.error, parkedAt: toDate(row.parked_at) };
};

export function postgresDeadLetters(client: PostgresClient, generations: ProjectionGenerations, notifications: ProjectionNotifications): DeadLetterAdministration<SqlSession> {
  return {
    async readDeadLetters(name) {
      const { rows } = await runStatement<DeadLetterRow>(client, readDeadLetters, [name ?? null]);
      return rows.map(toDeadLetter);
    },

    async requestDeadLetterRetry(name) {
      const { rowCount } = await runStatement(client, requestDeadLetterRetry, [name]);
      if (rowCount === 0) throw new NotFound('projection', name);
      notifications.operatorChanged();
    },

    async retryDeadLetter(name, id, apply) {
      await client.transaction(async (session) => {
        const { rows } = await runStatement<{ generation: number; tables: DeclaredTables }>(session, lockDeadLetter, [name, id]);
        const row = rows[0];
        if (row === undefined) throw new NotFound('dead letter', id);
        await generations.use(session, name, row.generation, row.tables);
        await apply(session);
        await runStatement(session, deleteDeadLetter, [name, id]);
      });
    },

    async finishDeadLetterRetry(name, failures) {
      await client.transaction(async (session) => {
        for (const { id, error } of failures) await runStatement(session, recordDeadLetterError, [name, id, error]);
        await runStatement(session, clearDeadLetterRetry, [name]);
      });
      notifications.checkpointMoved();
    },

    async dropDeadLetters(name, ids) {
      const { rowCount } = await runStatement(client, dropDeadLetters, [name, ids === undefined ? null : ids.map(Number)]);
      notifications.operatorChanged();
      return rowCount ?? 0;
    },
  };
}
