// @twofold/core: messages, deciders, command handling, ports, the projection daemon, consistency. No I/O.
export type { Command, CommandMetadata, Event, EventMetadata, IdempotencyKey, LogCursor, StoredEvent } from './messages.js';
export { compareCursors, cursorOf, logStart } from './messages.js';
export type { Decider } from './decider.js';
export { fold } from './decider.js';
export {
  CheckpointMoved,
  CommandRejected,
  IdempotencyKeyUsed,
  IllegalTransition,
  InvalidCommand,
  NotFound,
  OutcomeUnknown,
  Overloaded,
  StoreUnavailable,
  StreamVersionConflict,
  TwofoldError,
} from './errors.js';
export type {
  AppendedStream,
  AppendOptions,
  AppendResult,
  CommandEvents,
  EventStore,
  IdempotencyRecord,
  ExpectedVersion,
  HeadListener,
  LogHead,
  ReadAllOptions,
  ReadStreamOptions,
  StreamAppend,
  Unsubscribe,
} from './event-store.js';
export type { IdempotencyEntry, IdempotencyStore, RecordedResponse } from './idempotency-store.js';
export type { CommandHandlerOptions } from './handle-command.js';
export { handleCommand } from './handle-command.js';
export { eventMetadataFor } from './write-side/event-metadata.js';
export type { CommandEventRecord } from './write-side/command-events.js';
export { commandEventsOf } from './write-side/command-events.js';
export type { MultiStreamDecider, ReadableModel, ReadState, StreamRead, StreamWrite } from './write-side/multi-stream-decider.js';
export { multiStreamDecider, singleStreamDecider } from './write-side/multi-stream-decider.js';
export type { CommandProcessor, CommandProcessorCounters, CommandProcessorOptions } from './write-side/command-processor.js';
export { createCommandProcessor } from './write-side/command-processor.js';
export type { CachedStream, StateCache, StateCacheOptions } from './write-side/state-cache.js';
export { createStateCache } from './write-side/state-cache.js';
export type { GroupCommitOptions } from './write-side/group-commit.js';
export { groupCommit } from './write-side/group-commit.js';
export type {
  AdministeredProjectionStore,
  CheckpointAdvance,
  CheckpointListener,
  CheckpointMove,
  CommitBatchOptions,
  DeadLetter,
  DeadLetterAdministration,
  NewDeadLetter,
  ProjectionAdministration,
  ProjectionCheckpoint,
  ProjectionDefinition,
  ProjectionLease,
  ProjectionStore,
  RebuildProgress,
} from './projection.js';
export { administrationOf } from './projection.js';
export type { AppliedBatch, AppliedEvent, ChangedKeys, ProjectionDaemon, ProjectionDaemonOptions, ProjectionRunnerStatus, RunnerState } from './projection-daemon.js';
export { createProjectionDaemon } from './projection-daemon.js';
export type { ConsistencyGate, ConsistencyGateOptions, Freshness } from './consistency.js';
export { createConsistencyGate } from './consistency.js';
export type { AnswerCache, AnswerCacheOptions, AnswerCacheStats, CacheLookup, CacheMiss } from './answer-cache.js';
export { createAnswerCache } from './answer-cache.js';
export type { FreshnessView, FreshnessViewOptions, KnownCheckpoint } from './freshness-view.js';
export { createFreshnessView } from './freshness-view.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { createWakeSignal, sleep } from './sleep.js';
export { inMemoryEventStore } from './in-memory-event-store.js';
export type { InMemoryEventStoreOptions } from './in-memory-event-store.js';
export { inMemoryProjectionStore } from './in-memory-projection-store.js';
export type { InMemoryProjectionStore, InMemoryProjectionStoreOptions, InMemoryReadModel } from './in-memory-projection-store.js';
export type { ExpiringLease, LeaseTable, LeaseTiming } from './expiring-lease.js';
export { defaultLeaseTiming, holdExpiringLease, inMemoryLeaseTable, leaseTiming } from './expiring-lease.js';
export type { HeldLeases } from './held-leases.js';
export { holdLeasesThrough } from './held-leases.js';
export type { SnapshotPolicy, StreamModel } from './write-side/stream-model.js';
export { streamModel } from './write-side/stream-model.js';
export type { Snapshot, SnapshotStore } from './write-side/snapshot-store.js';
export { inMemorySnapshotStore } from './write-side/snapshot-store.js';
export type { PointInLog } from './point-in-log.js';
export { appendedBy, parsePointInLog } from './point-in-log.js';
export type { EventSchema, EventSchemas, StoredSchemaVersion, Upcaster } from './schema-evolution.js';
export { defineEventSchemas, evolvingEventStore, schemaVersionOf, UnknownSchemaVersion } from './schema-evolution.js';
export type { ProcessAction, ProcessCommand, ProcessManager, ProcessStep, ScheduledDeadline } from './process-manager/process-manager.js';
export { cancel, deadlineIdOf, replayProcess, schedule, send, stepProcess } from './process-manager/process-manager.js';
export type { DeadlineCounts, DeadlineOutcome, DeadlineStore, DueDeadline, InMemoryDeadlineStore } from './process-manager/deadline-store.js';
export { inMemoryDeadlineStore } from './process-manager/deadline-store.js';
export type { DeadlineDispatcher, DeadlineDispatcherOptions, FiredDeadline } from './process-manager/deadline-dispatcher.js';
export { commandOfDeadline, createDeadlineDispatcher } from './process-manager/deadline-dispatcher.js';
export type { PersonalDataVault, PersonalFields, PersonalFieldsOf, SealedValue, ValueToSeal } from './personal-data.js';
export { forgottenValue, isSealed, openEvents, personalDataEventStore, redacted, sealEvents } from './personal-data.js';
export type { PartitionBatch, PartitionCheckpoint, PartitionClaim, PartitionGroup, PartitionLedger, PartitionPosition } from './partitioned-projection.js';
export { assignedPartitions, furthest, lowestPartition } from './partitioned-projection.js';
export type { PartitionPositionSource } from './partitioned-checkpoint-feed.js';
export { partitionedCheckpointFeed } from './partitioned-checkpoint-feed.js';
