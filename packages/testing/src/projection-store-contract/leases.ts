// The ProjectionStore contract on leases: one holder per projection until it releases.
import { describe, expect, it } from 'vitest';
import type { ProjectionStoreSuite } from './suite.js';

export function leaseTests<Session>({ store, projectionName }: ProjectionStoreSuite<Session>): void {
  describe('leases', () => {
    it('grants a projection lease to one holder until it is released', async () => {
      const name = projectionName();
      const lease = await store().tryAcquireLease(name);
      expect(lease).toBeDefined();
      expect(lease!.lost).toBe(false);
      expect(await store().tryAcquireLease(name)).toBeUndefined();
      const other = await store().tryAcquireLease(projectionName());
      expect(other).toBeDefined();
      await lease!.release();
      await lease!.release(); // releasing twice is harmless
      const again = await store().tryAcquireLease(name);
      expect(again).toBeDefined();
      await again!.release();
      await other!.release();
    });
  });
}
