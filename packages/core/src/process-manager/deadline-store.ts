// The deadline store port: deadlines beside the log, claimed under a lease so no two processes fire one; and one in memory.
import type { ScheduledDeadline } from './process-manager.js';

/** A deadline claimed for firing by one owner until its lease ends; `attempts` counts claims, this one included. */
export interface DueDeadline extends ScheduledDeadline {
  readonly attempts: number;
}

/** `fired`: its command was appended (now or by an earlier attempt); `rejected`: the command was refused (the process had moved on). */
export type DeadlineOutcome = 'fired' | 'rejected';

export interface DeadlineCounts {
  /** Not yet due, or due for less than `lateAfterMs`. */
  readonly pending: number;
  /** Due for longer than `lateAfterMs` and still not fired. */
  readonly late: number;
  readonly fired: number;
  readonly rejected: number;
  readonly cancelled: number;
}

export interface DeadlineStore {
  /**
   * Claims up to `limit` due pending deadlines nobody holds (or whose holder's lease ended), earliest first, for
   * `leaseMs`: while the lease lasts no other claim returns them.
   */
  claimDue(options: { readonly owner: string; readonly limit: number; readonly leaseMs: number }): Promise<readonly DueDeadline[]>;
  /** Records the outcome if `owner` still holds the deadline and it is pending; false otherwise (cancelled meanwhile, or lease lost). */
  finish(id: string, owner: string, outcome: DeadlineOutcome, detail?: string): Promise<boolean>;
  /** Lets another claim take the deadline again after `retryInMs` (a store failure while firing). */
  release(id: string, owner: string, retryInMs: number): Promise<void>;
  /** When the earliest pending deadline is due. */
  nextDueAt(): Promise<Date | undefined>;
  counts(lateAfterMs: number): Promise<DeadlineCounts>;
}

interface Row extends ScheduledDeadline {
  status: 'pending' | DeadlineOutcome | 'cancelled';
  owner: string | undefined;
  claimedUntil: number;
  attempts: number;
  firedAt: Date | undefined;
}

export interface InMemoryDeadlineStore extends DeadlineStore {
  /** What a process manager's batch writes: new (or moved pending) deadlines, and cancellations; held ones are left alone. */
  write(scheduled: readonly ScheduledDeadline[], cancelled: readonly string[]): void;
  read(id: string): (ScheduledDeadline & { readonly status: Row['status']; readonly firedAt: Date | undefined }) | undefined;
}

/** Deadlines in memory, on the clock `now` (for tests and single-process use). */
export function inMemoryDeadlineStore(options: { readonly now?: () => number } = {}): InMemoryDeadlineStore {
  const now = options.now ?? Date.now;
  const rows = new Map<string, Row>();
  // a deadline a dispatcher holds is being fired: too late to move or cancel it, its command decides
  const held = (row: Row): boolean => row.owner !== undefined && row.claimedUntil > now();
  return {
    write(scheduled, cancelled) {
      for (const deadline of scheduled) {
        const row = rows.get(deadline.id);
        if (row === undefined) rows.set(deadline.id, { ...deadline, status: 'pending', owner: undefined, claimedUntil: 0, attempts: 0, firedAt: undefined });
        else if (row.status === 'pending' && !held(row)) rows.set(deadline.id, { ...row, dueAt: deadline.dueAt, command: deadline.command });
      }
      for (const id of cancelled) {
        const row = rows.get(id);
        if (row?.status === 'pending' && !held(row)) row.status = 'cancelled';
      }
    },
    read: (id) => rows.get(id),
    async claimDue({ owner, limit, leaseMs }) {
      const at = now();
      const due = [...rows.values()]
        .filter((row) => row.status === 'pending' && row.dueAt.getTime() <= at && row.claimedUntil <= at)
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
        .slice(0, limit);
      return due.map((row) => {
        Object.assign(row, { owner, claimedUntil: at + leaseMs, attempts: row.attempts + 1 });
        const { status: _status, owner: _owner, claimedUntil: _until, firedAt: _firedAt, ...deadline } = row;
        return { ...deadline };
      });
    },
    async finish(id, owner, outcome) {
      const row = rows.get(id);
      if (row === undefined || row.status !== 'pending' || row.owner !== owner) return false;
      Object.assign(row, { status: outcome, firedAt: new Date(now()) });
      return true;
    },
    async release(id, owner, retryInMs) {
      const row = rows.get(id);
      if (row?.owner === owner && row.status === 'pending') Object.assign(row, { owner: undefined, claimedUntil: now() + retryInMs });
    },
    async nextDueAt() {
      const pending = [...rows.values()].filter((row) => row.status === 'pending').map((row) => row.dueAt.getTime());
      return pending.length === 0 ? undefined : new Date(Math.min(...pending));
    },
    async counts(lateAfterMs) {
      const at = now();
      const counts = { pending: 0, late: 0, fired: 0, rejected: 0, cancelled: 0 };
      for (const row of rows.values()) {
        if (row.status === 'pending') counts[row.dueAt.getTime() < at - lateAfterMs ? 'late' : 'pending']++;
        else counts[row.status]++;
      }
      return counts;
    },
  };
}
