// How far the oldest running transaction holds log readers back: its age, and the committed events readers cannot see yet.
import { execute } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { readReaderHoldback } from './statements/read-reader-holdback.js';

export interface ReaderHoldback {
  /** Age of the oldest transaction still running on the server, or 0 when none holds a transaction id. */
  readonly oldestOpenTransactionAgeMs: number;
  /** Its backend's process id (for pg_stat_activity / pg_terminate_backend), when it is a session. */
  readonly oldestOpenTransactionPid: number | undefined;
  /** Committed events that readAll will not return until that transaction ends. */
  readonly eventsCommittedButInvisible: number;
}

/**
 * readAll returns only events of transactions older than every running one (DESIGN 5.1), so a
 * transaction left open anywhere on the server, even one that writes no event, stalls every
 * projection: alert on this, not only on projection lag.
 */
export async function readerHoldback(session: SqlSession): Promise<ReaderHoldback> {
  const { rows } = await execute<{ oldest_age_ms: number | string | null; holder_pid: number | null; invisible_events: string | number }>(
    session,
    readReaderHoldback,
  );
  const row = rows[0];
  return {
    oldestOpenTransactionAgeMs: Math.max(0, Number(row?.oldest_age_ms ?? 0)),
    oldestOpenTransactionPid: row?.holder_pid ?? undefined,
    eventsCommittedButInvisible: Number(row?.invisible_events ?? 0),
  };
}
