// The contract every EventStore runs: appends with optimistic concurrency, atomic multi-stream appends, reads, log order, wake-ups.
import { describe } from 'vitest';
import { suiteFixture } from '../suite-fixture.js';
import { appendingAndReadingTests } from './appending-and-reading.js';
import { appendingToSeveralStreamsTests } from './appending-to-several-streams.js';
import { allEventStoreCapabilities, eventStoreCapabilityTests, type EventStoreCapabilities } from './capabilities.js';
import { headAndCursorsTests } from './head-and-cursors.js';
import { optimisticConcurrencyTests } from './optimistic-concurrency.js';
import { readingTheLogTests } from './reading-the-log.js';
import { subscribingTests } from './subscribing.js';
import { eventStoreSuite, type EventStoreFactory } from './suite.js';

export type { EventStoreFactory, EventStoreFixture } from './suite.js';

/**
 * Defines the suite. Tests share one store (each writes to its own streams); the ones that need an
 * empty store open another through the factory. Tests within the suite run one at a time. The tests of a
 * capability the backend lacks are reported as skipped, with its reason; a backend that declares nothing runs them all.
 */
export function eventStoreContract(name: string, factory: EventStoreFactory, capabilities: EventStoreCapabilities = allEventStoreCapabilities): void {
  describe(`EventStore contract: ${name}`, () => {
    const fixture = suiteFixture(factory);
    const suite = eventStoreSuite(() => fixture()!.store, factory);

    appendingAndReadingTests(suite);
    optimisticConcurrencyTests(suite);
    appendingToSeveralStreamsTests(suite);
    readingTheLogTests(suite);
    headAndCursorsTests(suite);

    eventStoreCapabilityTests(
      {
        store: suite.store,
        get openSibling() {
          const open = fixture();
          return open?.openSibling?.bind(open);
        },
      },
      capabilities,
    );

    subscribingTests(suite);
  });
}
