// The high-water mark of the log: readAll returns only events below it, and the oldest transaction still running on the
// server holds it where it is. Reads how long it has been held, by whom, and the committed events above it that readers cannot see yet.
import { runStatement } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { readHighWaterMark } from './statements/read-high-water-mark.js';

/** The session (or prepared transaction) whose open transaction is the oldest on the server, as pg_stat_activity shows it. */
export interface HighWaterMarkHolder {
  /** Its backend's process id (for pg_terminate_backend), undefined for a prepared transaction. */
  readonly pid: number | undefined;
  /** Who opened it: the shop's pools name themselves `twofold <role> pid <process id>` (role: commands, projector, reads). */
  readonly applicationName: string | undefined;
  /** `active`, `idle in transaction` (a stalled client), … or `prepared transaction <gid>`. */
  readonly state: string | undefined;
  readonly transactionStartedAt: Date | undefined;
  readonly clientAddress: string | undefined;
}

export interface HighWaterMark {
  /** Age of the oldest transaction still running on the server, or 0 when none holds a transaction id. */
  readonly oldestOpenTransactionAgeMs: number;
  /** Its backend's process id (for pg_stat_activity / pg_terminate_backend), when it is a session. */
  readonly oldestOpenTransactionPid: number | undefined;
  /** Who holds that transaction, or undefined when none does. */
  readonly holder: HighWaterMarkHolder | undefined;
  /** Committed events that readAll will not return until that transaction ends. */
  readonly eventsCommittedButInvisible: number;
}

interface HighWaterMarkRow {
  oldest_age_ms: number | string | null;
  holder_pid: number | null;
  holder_application_name: string | null;
  holder_state: string | null;
  holder_started_at: Date | string | null;
  holder_client_addr: string | null;
  invisible_events: string | number;
}

/**
 * readAll returns only events of transactions older than every running one (DESIGN 5.1), so a
 * transaction left open anywhere on the server, even one that writes no event, stalls every
 * projection: alert on this, not only on projection lag.
 */
export async function highWaterMark(session: SqlSession): Promise<HighWaterMark> {
  const { rows } = await runStatement<HighWaterMarkRow>(session, readHighWaterMark);
  const row = rows[0];
  const held = row !== undefined && row.oldest_age_ms !== null;
  return {
    oldestOpenTransactionAgeMs: Math.max(0, Number(row?.oldest_age_ms ?? 0)),
    oldestOpenTransactionPid: row?.holder_pid ?? undefined,
    holder: !held
      ? undefined
      : {
          pid: row.holder_pid ?? undefined,
          applicationName: row.holder_application_name ?? undefined,
          state: row.holder_state ?? undefined,
          transactionStartedAt: row.holder_started_at === null ? undefined : new Date(row.holder_started_at),
          clientAddress: row.holder_client_addr ?? undefined,
        },
    eventsCommittedButInvisible: Number(row?.invisible_events ?? 0),
  };
}
