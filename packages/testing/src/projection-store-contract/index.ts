// The contract every ProjectionStore runs: checkpoints, compare-and-set batches that apply all or nothing, leases, wake-ups.
import { describe } from 'vitest';
import { suiteFixture } from '../suite-fixture.js';
import { checkpointTests } from './checkpoints.js';
import { committingABatchTests } from './committing-a-batch.js';
import { leaseTests } from './leases.js';
import { subscribingTests } from './subscribing.js';
import { projectionStoreSuite, type ProjectionStoreFactory } from './suite.js';

export type { ProjectionStoreFactory, ProjectionStoreFixture } from './suite.js';

export function projectionStoreContract<Session>(name: string, factory: ProjectionStoreFactory<Session>): void {
  describe(`ProjectionStore contract: ${name}`, () => {
    const fixture = suiteFixture(factory);
    const suite = projectionStoreSuite(() => fixture()!.store, () => fixture()!.readModel);

    checkpointTests(suite);
    committingABatchTests(suite);
    leaseTests(suite);
    subscribingTests(suite);
  });
}
