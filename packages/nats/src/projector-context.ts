// What the parts of a partitioned projector share: its settings and progress, the partitions it runs, the stream's
// tail as followed and where the stream ends, and the announcer of idle partitions; and what a partition run gets of it.
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { partitionAnnouncer, type PartitionAnnouncer } from './partition-announcer.js';
import type { PartitionRun, PartitionRunContext } from './partition-run.js';
import { partitionTail, type PartitionTail } from './partition-tail.js';
import type { ProjectorSettings } from './projector-options.js';
import { createProjectorProgress, recordError, type ProjectorProgress } from './projector-progress.js';
import { streamEnd, type StreamEnd } from './stream-end.js';

export interface ProjectorContext {
  readonly settings: ProjectorSettings;
  readonly progress: ProjectorProgress;
  /** The partitions this worker holds, by partition. */
  readonly runs: Map<number, PartitionRun>;
  readonly tail: PartitionTail;
  readonly streamEnd: StreamEnd;
  readonly announcer: PartitionAnnouncer;
}

export function createProjectorContext(settings: ProjectorSettings): ProjectorContext {
  const { ledger, group, streamName, recordIntervalMs } = settings;
  const runs = new Map<number, PartitionRun>();
  const tail = partitionTail();
  const announcer = partitionAnnouncer({ ledger, group: group.name, tail, runs: () => runs.values(), recordIntervalMs });
  return { settings, progress: createProjectorProgress(), runs, tail, streamEnd: streamEnd(streamName), announcer };
}

export function partitionRunContext(context: ProjectorContext, js: JetStreamClient, jsm: JetStreamManager): PartitionRunContext {
  const { settings, progress, tail, announcer } = context;
  const { ledger, group, streamName, subjectPrefix, batchSize, logger, readable } = settings;
  return {
    js, jsm, ledger, group: group.name, streamName, subjectPrefix, batchSize, tail, logger, readable,
    onApplied: (events) => void (progress.applied += events),
    onIdleChanged: announcer.schedule,
    onRecreate: () => void progress.recreated++,
    onError: (error) => recordError(progress, error),
  };
}
