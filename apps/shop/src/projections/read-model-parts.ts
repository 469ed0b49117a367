// What the shop's read models share: creating their SQL tables, picking the events they handle out of a batch, and
// stamping each batch row with where its event stands in the log.
import type { Event, StoredEvent } from '@twofold/core';
import type { SqlSession } from '@twofold/postgres';

/** A projection's `setup`: runs its table statements in order (each `IF NOT EXISTS`, so setting up again changes nothing). */
export const runInOrder =
  (statements: readonly string[]) =>
  async (session: SqlSession): Promise<void> => {
    for (const statement of statements) await session.query(statement);
  };

/** A batch row's stamp: its event's commit time and global position (a row applies only events past its last position). */
export const loggedAt = (event: StoredEvent): { readonly recorded_at: string; readonly position: number } => ({
  recorded_at: event.recordedAt.toISOString(),
  position: event.globalPosition,
});

/** The batch's events of the given types, in log order. */
export function eventsOfTypes<E extends Event>(events: readonly StoredEvent[], types: readonly E['type'][]): StoredEvent<E>[] {
  const wanted = new Set<string>(types);
  return events.filter((event): event is StoredEvent<E> => wanted.has(event.type));
}
