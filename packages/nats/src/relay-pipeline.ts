// The relay's publishing pipeline: reads the log after the stream's tail and publishes it, many in flight, in order.
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { cursorOf, type createWakeSignal, type StoredEvent } from '@twofold/core';
import type { StreamTail } from './event-stream.js';
import { encodeStreamIdToken, partitionOf } from './partition-subjects.js';
import { heardOf, recordAcknowledged, type RelayProgress } from './relay-progress.js';
import type { RelaySettings } from './relay-options.js';
import { relayedMessage } from './relayed-event.js';

/** An acknowledgement that does not continue the stream as expected: another publisher wrote, or a publish went missing. */
export class RelayOutOfStep extends Error {}

type WakeSignal = ReturnType<typeof createWakeSignal>;

interface InFlight {
  readonly event: StoredEvent;
  readonly sequence: number;
  readonly partition: number;
  readonly sentAt: number;
  readonly ack: Promise<{ ack: PubAck } | { error: unknown }>;
}

/** The publishes awaiting their acknowledgement, oldest first, and the first failure among them. */
interface Pipeline {
  readonly inFlight: InFlight[];
  failure: unknown;
}

/**
 * Takes the oldest publish's outcome: acknowledgements arrive, and are counted, in log order. The first failure ends
 * the pipeline (the relay resumes from the stream's tail), but a later publish the stream did take at its expected
 * sequence still counts as this relay's: everything before it is in the stream, in order (another relay's copy of an
 * earlier event, say), and without it two racing relays' counts would add up to less than the stream holds.
 */
async function settleOldest(pipeline: Pipeline, progress: RelayProgress, settings: RelaySettings): Promise<void> {
  const pending = pipeline.inFlight.shift()!;
  const outcome = await pending.ack;
  if ('error' in outcome) {
    pipeline.failure ??= outcome.error;
    return;
  }
  const { ack } = outcome;
  if (ack.duplicate || ack.seq !== pending.sequence) {
    pipeline.failure ??= new RelayOutOfStep(`event ${pending.event.eventId} was acknowledged ${ack.duplicate ? 'as a duplicate ' : ''}at sequence ${ack.seq}, expected ${pending.sequence}`);
    return;
  }
  const latencyMs = performance.now() - pending.sentAt;
  const cursor = cursorOf(pending.event);
  recordAcknowledged(progress, cursor, ack.seq, latencyMs);
  settings.onPublished?.({ cursor, streamSequence: ack.seq, partition: pending.partition, latencyMs });
}

async function settleAll(pipeline: Pipeline, progress: RelayProgress, settings: RelaySettings): Promise<void> {
  while (pipeline.inFlight.length > 0) await settleOldest(pipeline, progress, settings);
}

/** Sends one event on its partition's subject, expecting the stream's last sequence to be `expected`. */
function publish(js: JetStreamClient, event: StoredEvent, expected: number, settings: RelaySettings): InFlight {
  const partition = partitionOf(event.streamId, settings.partitions);
  const subject = `${settings.subjectPrefix}.${partition}.${encodeStreamIdToken(event.streamId)}`;
  const { headers, body } = relayedMessage(event);
  const ack = js
    .publish(subject, body, { msgID: event.eventId, expect: { lastSequence: expected }, headers, timeout: settings.publishTimeoutMs })
    .then((pubAck) => ({ ack: pubAck }), (error: unknown) => ({ error }));
  return { event, sequence: expected + 1, partition, sentAt: performance.now(), ack };
}

/**
 * Publishes the log after the stream's tail until `signal` ends it. Each publish expects the sequence before it,
 * so the stream takes the events in order or not at all: a lost publish fails every one after it (no gap), and a
 * relay that lost its lease is refused once another wrote. Resolves when stopped; throws on a failed publish once
 * the rest in flight came back (a publish that timed out may still have been stored: the stream's tail, read next,
 * is the truth, not these counts).
 */
export async function pump(js: JetStreamClient, tail: StreamTail, signal: AbortSignal, wake: WakeSignal, settings: RelaySettings, progress: RelayProgress): Promise<void> {
  let sequence = tail.sequence;
  let readCursor = tail.cursor;
  progress.cursor = tail.cursor;
  progress.streamSequence = tail.sequence;
  heardOf(progress, tail.cursor.position);
  const pipeline: Pipeline = { inFlight: [], failure: undefined };
  try {
    while (!signal.aborted && pipeline.failure === undefined) {
      const events = await settings.eventStore.readAll({ after: readCursor, limit: settings.batchSize });
      if (events.length === 0) {
        await settleAll(pipeline, progress, settings);
        if (pipeline.failure !== undefined) break;
        heardOf(progress, readCursor.position);
        progress.state = 'running';
        await wake.wait(settings.pollIntervalMs, signal);
        continue;
      }
      heardOf(progress, events.at(-1)!.globalPosition);
      for (const event of events) {
        while (pipeline.inFlight.length >= settings.maxInFlight && pipeline.failure === undefined) await settleOldest(pipeline, progress, settings);
        if (pipeline.failure !== undefined || signal.aborted) break;
        pipeline.inFlight.push(publish(js, event, sequence, settings));
        sequence++;
        readCursor = cursorOf(event);
      }
      if (pipeline.failure === undefined && progress.state !== 'running') progress.state = 'running';
    }
  } finally {
    // what is in flight may still be acknowledged: count it before anyone reads the stream's tail again
    await settleAll(pipeline, progress, settings);
  }
  if (pipeline.failure !== undefined) throw pipeline.failure;
}
