// The contract every store with projection administration runs, driven by the real daemon: pause, sequenced dead
// letters retried in order, and blue/green rebuilds under writes that readers never notice.
import { afterEach, describe } from 'vitest';
import { suiteFixture } from '../suite-fixture.js';
import { deadLetterTests } from './dead-letters.js';
import { pauseTests } from './pausing.js';
import { rebuildTests } from './rebuilds.js';
import { administrationSuite, type AdministeredStoreFactory } from './suite.js';
import { unknownProjectionTests } from './unknown-projections.js';

export type { AdministeredStoreFactory, AdministeredStoreFixture } from './suite.js';

export function projectionAdministrationContract<Session>(name: string, factory: AdministeredStoreFactory<Session>): void {
  describe(`ProjectionAdministration contract: ${name}`, () => {
    const fixture = suiteFixture(factory);
    const cleanups: (() => Promise<void>)[] = [];
    const suite = administrationSuite(() => fixture()!.store, () => fixture()!.readModel, cleanups);

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    deadLetterTests(suite);
    pauseTests(suite);
    rebuildTests(suite);
    unknownProjectionTests(suite);
  });
}
