// The relay's NATS side: connecting (retrying until stopped) and relaying over one connection while the lease is held.
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sleep, type createWakeSignal } from '@twofold/core';
import { ensureEventStream, readStreamTail } from './event-stream.js';
import { pump } from './relay-pipeline.js';
import { recordFailure, type RelayProgress } from './relay-progress.js';
import type { RelaySettings } from './relay-options.js';

type WakeSignal = ReturnType<typeof createWakeSignal>;

export async function connectUntilStopped(signal: AbortSignal, settings: RelaySettings, progress: RelayProgress): Promise<NatsConnection | undefined> {
  const { servers, streamName, publishTimeoutMs, logger } = settings;
  let backoff = settings.retryBackoffMs;
  while (!signal.aborted) {
    progress.state = 'connecting';
    try {
      // reconnects forever once connected: publishes during a reconnect wait in the client, fenced by their expectations
      return await connect({ servers, name: `twofold relay ${streamName}`, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: publishTimeoutMs });
    } catch (error) {
      recordFailure(progress, error);
      logger.warn({ servers, err: error, backoffMs: backoff }, 'relay cannot reach NATS; retrying');
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, settings.maxRetryBackoffMs);
    }
  }
  return undefined;
}

/** Relays while the lease is held (until `signal` ends): on a failure, resumes after the stream's last message. */
export async function relayWhileLeased(nc: NatsConnection, signal: AbortSignal, wake: WakeSignal, settings: RelaySettings, progress: RelayProgress): Promise<void> {
  const { streamName, publishTimeoutMs, logger, retryBackoffMs } = settings;
  let backoff = retryBackoffMs;
  let jsm: JetStreamManager | undefined;
  let streamReady = false;
  while (!signal.aborted) {
    try {
      jsm ??= await jetstreamManager(nc, { timeout: publishTimeoutMs });
      if (!streamReady) {
        await ensureEventStream(jsm, settings.stream, logger);
        streamReady = true;
      }
      const tail = await readStreamTail(jsm, streamName);
      logger.info({ stream: streamName, sequence: tail.sequence, position: tail.cursor.position, transactionId: tail.cursor.transactionId }, 'relay resuming after the stream\'s last event');
      const publishedBefore = progress.published;
      try {
        await pump(jetstream(nc, { timeout: publishTimeoutMs }), tail, signal, wake, settings, progress);
      } finally {
        if (progress.published > publishedBefore) backoff = retryBackoffMs;
      }
    } catch (error) {
      if (signal.aborted) break;
      recordFailure(progress, error);
      progress.resumes++;
      logger.warn({ stream: streamName, err: error, backoffMs: backoff }, 'relay stopped its pipeline; resuming from the stream\'s last event');
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, settings.maxRetryBackoffMs);
    }
  }
}
