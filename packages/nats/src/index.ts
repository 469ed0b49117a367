// @twofold/nats: the JetStream carrier. The relay publishes the log to a partitioned JetStream stream.
export type { JetStreamRelay } from './jetstream-relay.js';
export { createJetStreamRelay } from './jetstream-relay.js';
export type { JetStreamRelayOptions } from './relay-options.js';
export type { PublishedEvent, RelayState, RelayStats } from './relay-progress.js';
export { RelayOutOfStep } from './relay-pipeline.js';
export { parseBusUrl } from './bus-url.js';
export type { EventStreamSettings, StreamTail } from './event-stream.js';
export { describePartitions, ensureEventStream, readStreamTail } from './event-stream.js';
export {
  checkPartitions,
  checkSubjectPrefix,
  decodeStreamIdToken,
  defaultPartitions,
  encodeStreamIdToken,
  eventSubject,
  fnv1a32,
  parseEventSubject,
  partitionFilter,
  partitionOf,
} from './partition-subjects.js';
export type { RelayedBody } from './relayed-event.js';
export { cursorOfMessage, decodeRelayedEvent, messageIdHeader, relayedMessage, relayHeaders, streamIdOfMessage } from './relayed-event.js';
export type { EventStreamLocation, EventStreamState, RelayedMessage } from './event-stream-reader.js';
export { readEventStreamState, readRelayedEvents } from './event-stream-reader.js';
export type { PartitionedProjector } from './partitioned-projector.js';
export { createPartitionedProjector } from './partitioned-projector.js';
export type { PartitionedProjectorOptions } from './projector-options.js';
export type { PartitionedProjectorStats, PartitionRunStats } from './projector-progress.js';
