// The leases one projection store holds: at most one grant per projection, its fencing token for the store's
// commits, and every lease given back when the store closes. Shared by every store over a LeaseTable.
import { holdExpiringLease, type LeaseTable, type LeaseTiming } from './expiring-lease.js';
import type { ProjectionLease } from './projection.js';

export interface HeldLeases {
  /**
   * Takes the lease `name` through the table if no one holds it. One grant per name and store: a second runner
   * here for the same projection is a standby like any other.
   */
  tryAcquire(name: string): Promise<ProjectionLease | undefined>;
  /** The fencing token of the grant this store holds for `name`; undefined when it holds none, or is still asking. */
  fencingToken(name: string): number | undefined;
  /** Gives back every lease still held: a lease given back is free at once, one left to expire keeps a standby waiting a ttl. */
  releaseAll(): Promise<void>;
}

export function holdLeasesThrough(table: LeaseTable, holder: string, timing: LeaseTiming): HeldLeases {
  // the token of each grant held; NaN while a grant is being asked for
  const tokens = new Map<string, number>();
  const held = new Set<ProjectionLease>();

  async function tryAcquire(name: string): Promise<ProjectionLease | undefined> {
    if (tokens.has(name)) return undefined;
    tokens.set(name, Number.NaN);
    let lease: Awaited<ReturnType<typeof holdExpiringLease>>;
    try {
      lease = await holdExpiringLease(table, name, holder, timing);
    } catch (error) {
      tokens.delete(name);
      throw error;
    }
    if (lease === undefined) {
      tokens.delete(name);
      return undefined;
    }
    const grant = lease;
    tokens.set(name, grant.token);
    const handle: ProjectionLease = {
      get lost() {
        return grant.lost;
      },
      async release() {
        held.delete(handle);
        if (tokens.get(name) === grant.token) tokens.delete(name);
        await grant.release();
      },
    };
    held.add(handle);
    return handle;
  }

  return {
    tryAcquire,
    fencingToken(name) {
      const token = tokens.get(name);
      return token === undefined || Number.isNaN(token) ? undefined : token;
    },
    async releaseAll() {
      await Promise.all([...held].map((lease) => lease.release()));
      tokens.clear();
    },
  };
}
