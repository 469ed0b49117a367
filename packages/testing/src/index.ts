export { deciderSpecification } from './decider-specification.js';
export { multiStreamDeciderSpecification } from './multi-stream-decider-specification.js';
export type { ExpectedWrites, GivenStreams, MultiStreamSpecification, MultiStreamThen } from './multi-stream-decider-specification.js';
export type { DeciderGiven, DeciderSpecification, DeciderThen } from './decider-specification.js';
export { inMemoryProjectionTestStore, projectionSpecification, sqlProjectionTestStore, storedEvents } from './projection-specification.js';
export type {
  GivenEvent,
  ProjectionSpecification,
  ProjectionSpecificationOptions,
  ProjectionTestStore,
  ProjectionThen,
  SqlProjectionTestStoreOptions,
  SqlTestClient,
  StoredEventsOptions,
} from './projection-specification.js';
export { createTestDatabase, defaultTestServerUrl } from './test-database.js';
export type { TestDatabase, TestDatabaseOptions } from './test-database.js';
export { eventStoreContract } from './event-store-contract/index.js';
export type { EventStoreFactory, EventStoreFixture } from './event-store-contract/index.js';
export { allEventStoreCapabilities } from './event-store-contract/capabilities.js';
export type { Capability, EventStoreCapabilities, SiblingStore } from './event-store-contract/capabilities.js';
export { snapshotStoreContract } from './snapshot-store-contract.js';
export type { SnapshotStoreFactory, SnapshotStoreFixture } from './snapshot-store-contract.js';
export { projectionStoreContract } from './projection-store-contract/index.js';
export type { ProjectionStoreFactory, ProjectionStoreFixture } from './projection-store-contract/index.js';
export { sqlKeyValueReadModel } from './projection-store-contract/key-value-read-model.js';
export type { KeyValueReadModel, SqlQueryable } from './projection-store-contract/key-value-read-model.js';
export { projectionAdministrationContract } from './projection-administration-contract/index.js';
export type { AdministeredStoreFactory, AdministeredStoreFixture } from './projection-administration-contract/index.js';
export { natsServerBinary, startNatsServers } from './nats-servers.js';
export type { NatsTestNode, NatsTestServers, NatsTestServersOptions } from './nats-servers.js';
export { processManagerSpecification } from './process-manager-specification.js';
export type { ProcessManagerGiven, ProcessManagerSpecification, ProcessManagerThen } from './process-manager-specification.js';
