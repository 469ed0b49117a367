// The event store, projection store and snapshot store contracts, run on the in-memory stores of core.
import { groupCommit, inMemoryEventStore, inMemoryProjectionStore, inMemorySnapshotStore, type InMemoryReadModel } from '@twofold/core';
import type { EventStoreCapabilities } from './event-store-contract/capabilities.js';
import { eventStoreContract } from './event-store-contract/index.js';
import { projectionAdministrationContract } from './projection-administration-contract/index.js';
import { projectionStoreContract } from './projection-store-contract/index.js';
import type { KeyValueReadModel } from './projection-store-contract/key-value-read-model.js';
import { snapshotStoreContract } from './snapshot-store-contract.js';

const inMemory: EventStoreCapabilities = {
  gapSafeReadAll: true,
  sharedStorage: 'an in-memory store keeps its log in its own instance: no other store, in this process or another, can open it',
};

eventStoreContract('in memory', async () => ({ store: inMemoryEventStore(), close: async () => undefined }), inMemory);

// group commit changes how appends reach the store, never what they mean
eventStoreContract('in memory, group commit', async () => ({ store: groupCommit(inMemoryEventStore()), close: async () => undefined }), inMemory);

snapshotStoreContract('in memory', async () => ({ store: inMemorySnapshotStore(), close: async () => undefined }));

const inMemoryFixture = async () => {
  const store = inMemoryProjectionStore();
  const readModel: KeyValueReadModel<InMemoryReadModel> = {
    async setup() {},
    async put(model, _projection, key, value) {
      model.set(key, value);
    },
    async get(projection, key) {
      return store.readModel(projection).get(key) as string | undefined;
    },
  };
  return { store, readModel, close: () => store.close() };
};

projectionStoreContract<InMemoryReadModel>('in memory', inMemoryFixture);
projectionAdministrationContract<InMemoryReadModel>('in memory', inMemoryFixture);
