// Leases that expire unless renewed: the holder's side (heartbeat with a deadline) over any store's lease table.
import type { ProjectionLease } from './projection.js';

/** How long a lease lasts without renewal, and how often its holder renews it. */
export interface LeaseTiming {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
}

export const defaultLeaseTiming: LeaseTiming = { ttlMs: 5_000, renewEveryMs: 1_666 };

/** Checks a timing: the holder must renew at least once before the ttl runs out, leaving room for a late round trip. */
export function leaseTiming(options: { readonly ttlMs?: number; readonly renewEveryMs?: number } = {}): LeaseTiming {
  const { ttlMs = defaultLeaseTiming.ttlMs } = options;
  const { renewEveryMs = Math.floor(ttlMs / 3) } = options;
  if (!Number.isInteger(ttlMs) || ttlMs < 30) throw new RangeError('lease ttlMs must be an integer of at least 30');
  if (!Number.isInteger(renewEveryMs) || renewEveryMs < 1 || renewEveryMs > ttlMs / 2) throw new RangeError('lease renewEveryMs must be a positive integer of at most half the ttl');
  return { ttlMs, renewEveryMs };
}

/**
 * Where leases are kept: one row per name with its holder, a fencing token that grows with every new grant,
 * and an expiry on the store's own clock. Each call is atomic.
 */
export interface LeaseTable {
  /** Grants the lease to `holder` for `ttlMs` if it is free, released or expired; the new fencing token, or undefined. */
  take(name: string, holder: string, ttlMs: number): Promise<number | undefined>;
  /** Extends the grant `token` by `ttlMs` if it has not expired; false when it has (it may have been taken over). */
  renew(name: string, token: number, ttlMs: number): Promise<boolean>;
  /** Ends the grant `token` now, if it is still the current one. */
  release(name: string, token: number): Promise<void>;
}

/** A lease held through a LeaseTable. */
export interface ExpiringLease extends ProjectionLease {
  /** The grant's fencing token: a holder that was taken over has a lower one than its successor. */
  readonly token: number;
}

/**
 * Takes the lease `name` for `holder` if no one holds it, and renews it every `renewEveryMs`. It is `lost` as soon
 * as a renewal is refused, or when no renewal has been confirmed for a whole ttl counted from when that renewal was
 * sent (the table counts from when it arrived, so the holder gives up first): a stalled or cut-off holder stops
 * applying before a standby can be granted the lease. The clock is monotonic, so a process resumed after a pause
 * (SIGSTOP, a long GC) finds its lease lost at once.
 */
export async function holdExpiringLease(table: LeaseTable, name: string, holder: string, timing: LeaseTiming): Promise<ExpiringLease | undefined> {
  const { ttlMs, renewEveryMs } = timing;
  const sentAt = performance.now();
  const token = await table.take(name, holder, ttlMs);
  if (token === undefined) return undefined;
  let confirmedAt = sentAt;
  let refused = false;
  let released = false;
  let renewing = false;

  const timer = setInterval(() => {
    if (renewing || refused || released) return;
    renewing = true;
    const renewalSentAt = performance.now();
    table
      .renew(name, token, ttlMs)
      .then((renewed) => {
        if (renewed) confirmedAt = renewalSentAt;
        else refused = true;
      })
      // a renewal that fails (the store is unreachable) is tried again on the next tick, until the deadline
      .catch(() => undefined)
      .finally(() => {
        renewing = false;
        if (refused) clearInterval(timer);
      });
  }, renewEveryMs);
  timer.unref();

  return {
    token,
    get lost() {
      return !released && (refused || performance.now() - confirmedAt >= ttlMs);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // ends only our own grant: one that expired and was taken over stays with its new holder. Waits at most a
      // ttl (a store cut off may never answer): the grant has expired by then anyway
      let giveUp: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, ttlMs);
        giveUp.unref?.();
      });
      await Promise.race([table.release(name, token).catch(() => undefined), expired]);
      clearTimeout(giveUp);
    },
  };
}

/** A lease table in this process's memory, on an injectable clock (for tests of expiry). */
export function inMemoryLeaseTable(now: () => number = () => performance.now()): LeaseTable {
  const rows = new Map<string, { holder: string; token: number; expiresAt: number }>();
  return {
    async take(name, holder, ttlMs) {
      const row = rows.get(name);
      if (row !== undefined && row.expiresAt > now()) return undefined;
      const token = (row?.token ?? 0) + 1;
      rows.set(name, { holder, token, expiresAt: now() + ttlMs });
      return token;
    },
    async renew(name, token, ttlMs) {
      const row = rows.get(name);
      if (row === undefined || row.token !== token || row.expiresAt <= now()) return false;
      row.expiresAt = now() + ttlMs;
      return true;
    },
    async release(name, token) {
      const row = rows.get(name);
      if (row !== undefined && row.token === token) row.expiresAt = Number.NEGATIVE_INFINITY;
    },
  };
}
