import { describe, expect, it } from 'vitest';
import { holdExpiringLease, inMemoryLeaseTable, leaseTiming, type LeaseTable } from './expiring-lease.js';
import { sleep } from './sleep.js';

const timing = { ttlMs: 90, renewEveryMs: 30 };

describe('holdExpiringLease', () => {
  it('keeps a renewed lease well past its ttl, and grants it to no one else meanwhile', async () => {
    const table = inMemoryLeaseTable();
    const lease = (await holdExpiringLease(table, 'p', 'a', timing))!;
    expect(lease.token).toBe(1);
    await sleep(300);
    expect(lease.lost).toBe(false);
    expect(await holdExpiringLease(table, 'p', 'b', timing)).toBeUndefined();
    await lease.release();
    const next = (await holdExpiringLease(table, 'p', 'b', timing))!;
    expect(next.token).toBe(2);
    await next.release();
  });

  it('is lost by a holder whose renewals stall, before the lease is granted to another, with a higher token', async () => {
    const table = inMemoryLeaseTable();
    let stalled = false;
    const stalling: LeaseTable = {
      take: (...args) => table.take(...args),
      renew: (...args) => (stalled ? new Promise(() => {}) : table.renew(...args)),
      release: (...args) => table.release(...args),
    };
    const lease = (await holdExpiringLease(stalling, 'p', 'a', timing))!;
    await sleep(100);
    stalled = true;
    let lostAt: number | undefined;
    let takenAt: number | undefined;
    let taken: Awaited<ReturnType<typeof holdExpiringLease>>;
    const started = Date.now();
    while (takenAt === undefined && Date.now() - started < 1_000) {
      if (lostAt === undefined && lease.lost) lostAt = Date.now();
      taken = await holdExpiringLease(table, 'p', 'b', timing);
      if (taken !== undefined) takenAt = Date.now();
      await sleep(2);
    }
    expect(lostAt).toBeDefined();
    expect(takenAt).toBeDefined();
    // the stalled holder gives up no later than the table lets another in
    expect(lostAt!).toBeLessThanOrEqual(takenAt!);
    expect(taken!.token).toBe(2);
    // the stale holder's release leaves the new grant alone
    await lease.release();
    expect(await holdExpiringLease(table, 'p', 'c', timing)).toBeUndefined();
    await taken!.release();
  });

  it('is lost once a renewal is refused (taken over while cut off)', async () => {
    const table = inMemoryLeaseTable();
    const refusing: LeaseTable = { ...table, take: table.take, release: table.release, renew: async () => false };
    const lease = (await holdExpiringLease(refusing, 'p', 'a', timing))!;
    await sleep(60);
    expect(lease.lost).toBe(true);
  });

  it('gives up releasing after a ttl when the store does not answer (the grant has expired by then)', async () => {
    const table = inMemoryLeaseTable();
    const silent: LeaseTable = { take: table.take, renew: table.renew, release: () => new Promise(() => {}) };
    const lease = (await holdExpiringLease(silent, 'p', 'a', timing))!;
    const started = Date.now();
    await lease.release();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('checks its timing', () => {
    expect(leaseTiming()).toEqual({ ttlMs: 5_000, renewEveryMs: 1_666 });
    expect(() => leaseTiming({ ttlMs: 100, renewEveryMs: 80 })).toThrow(/renewEveryMs/);
    expect(() => leaseTiming({ ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
