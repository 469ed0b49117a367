// The JetStream stream the relay fills: created when missing, checked when present, and its tail read from the
// leader (the log cursor of the last message it holds is where the relay resumes).
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { logStart, type LogCursor, type Logger } from '@twofold/core';
import { cursorOfMessage } from './relayed-event.js';

export interface EventStreamSettings {
  /** The JetStream stream's name. */
  readonly name: string;
  readonly subjectPrefix: string;
  readonly partitions: number;
  /** 1 on a single node, 3 in a cluster. */
  readonly replicas: number;
}

export interface StreamTail {
  /** The stream's last sequence (0 when empty): the next publish expects it. */
  readonly sequence: number;
  /** The log cursor of the last message: the relay goes on after it. */
  readonly cursor: LogCursor;
}

/** The stream's description records its partition count, which consumers and relays must agree on (2.9 has no stream metadata). */
export const describePartitions = (partitions: number): string => `twofold events; partitions=${partitions}`;
const partitionsDescribed = (description: string | undefined): number | undefined => {
  const match = /partitions=(\d+)/.exec(description ?? '');
  return match === null ? undefined : Number(match[1]);
};

/** JetStream's error code for a create that finds the name taken (not among the client's named codes). */
const streamNameInUse = 10058;

export const isApiError = (error: unknown, code: number): boolean => error instanceof JetStreamApiError && error.code === code;

/**
 * Creates the stream if it is missing: subjects `<prefix>.>` (a partition's filter `<prefix>.<p>.>` is a subset),
 * file storage, kept forever (no max_age: consumers and the relay's resume rely on every event staying), the default
 * duplicate window. An existing stream must have those subjects, discard nothing and agree on the partition count.
 */
export async function ensureEventStream(jsm: JetStreamManager, settings: EventStreamSettings, logger: Logger): Promise<void> {
  const subjects = [`${settings.subjectPrefix}.>`];
  const config: Partial<StreamConfig> & { name: string } = {
    name: settings.name,
    subjects,
    description: describePartitions(settings.partitions),
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: settings.replicas,
    max_age: 0,
  };
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(settings.name)).config;
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    try {
      await jsm.streams.add(config);
      logger.info({ stream: settings.name, subjects, replicas: settings.replicas, partitions: settings.partitions }, 'event stream created');
      return;
    } catch (addError) {
      // another relay created it first: check what it made
      if (!isApiError(addError, streamNameInUse)) throw addError;
      existing = (await jsm.streams.info(settings.name)).config;
    }
  }
  const problems: string[] = [];
  if (!existing.subjects?.includes(subjects[0]!)) problems.push(`its subjects are ${JSON.stringify(existing.subjects)}, not ${subjects[0]}`);
  if (existing.max_age > 0) problems.push('it has a max_age, so events would expire');
  if (existing.max_msgs > 0 || existing.max_bytes > 0 || (existing.max_msgs_per_subject ?? 0) > 0) problems.push('it has message or byte limits, so events would be discarded');
  const partitions = partitionsDescribed(existing.description);
  if (partitions !== undefined && partitions !== settings.partitions) problems.push(`it was created with ${partitions} partitions, not ${settings.partitions}`);
  if (problems.length > 0) throw new Error(`JetStream stream ${settings.name} does not fit the relay: ${problems.join('; ')}`);
  if (existing.num_replicas !== settings.replicas) {
    logger.warn({ stream: settings.name, replicas: existing.num_replicas, configured: settings.replicas }, 'event stream has another replica count than configured; left as it is');
  }
}

/**
 * The stream's last sequence and the log cursor of its last message, read from the stream's leader (stream info and
 * `$JS.API.STREAM.MSG.GET` are answered by the leader, never a lagging replica).
 */
export async function readStreamTail(jsm: JetStreamManager, name: string): Promise<StreamTail> {
  const { state } = await jsm.streams.info(name);
  if (state.last_seq === 0 || state.messages === 0) {
    if (state.last_seq !== 0) throw new Error(`JetStream stream ${name} is empty but its last sequence is ${state.last_seq}: it was purged; the relay cannot tell where to resume`);
    return { sequence: 0, cursor: logStart };
  }
  const last = await jsm.streams.getMessage(name, { seq: state.last_seq });
  if (last === null) throw new Error(`JetStream stream ${name} lost its last message (${state.last_seq}): the relay cannot tell where to resume`);
  return { sequence: state.last_seq, cursor: cursorOfMessage(last.header) };
}
