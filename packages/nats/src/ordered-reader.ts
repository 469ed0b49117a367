// Reads one subject filter of the event stream with an ordered consumer, in batches, from a sequence on. An ordered
// consumer keeps per-subject order (a redelivery from an acked durable one would not); one that stalls (heartbeats
// missed, as after a node loss) or ends is recreated from the last sequence handled.
import { DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { silentLogger, sleep, type Logger } from '@twofold/core';

export interface OrderedReadOptions {
  readonly js: JetStreamClient;
  readonly streamName: string;
  /** `<prefix>.<p>.>` for one partition, `<prefix>.>` for all. */
  readonly filter: string;
  readonly headersOnly?: boolean;
  /** The sequence to resume after (0: from the start), asked at each (re)creation. */
  readonly after: () => number;
  readonly batchSize: number;
  readonly signal: AbortSignal;
  /** Handles a batch in stream order; 'stop' ends the read; a throw recreates the consumer after a pause. */
  readonly handle: (messages: readonly JsMsg[]) => Promise<'continue' | 'stop'>;
  /** Told each time the consumer is (re)created, with the sequence it starts after. */
  readonly onCreated?: (after: number) => void;
  /** Told when the consumer stalled or failed and is recreated. */
  readonly onRecreate?: (reason: string) => void;
  /** A server heartbeat is expected this often when idle; two missed in a row count as a stall (default 2,000 ms). */
  readonly idleHeartbeatMs?: number;
  /**
   * Whether the stream is known to hold messages of this filter after `sequence` (as others saw it): a consumer that
   * delivers nothing for `stallMs` (default 5,000) while this says so is stalled, even with heartbeats, and recreated.
   */
  readonly behind?: (sequence: number) => boolean;
  readonly stallMs?: number;
  readonly logger?: Logger;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Resolves when `signal` aborts or `handle` says stop. */
export async function readOrdered(options: OrderedReadOptions): Promise<void> {
  const { js, streamName, filter, headersOnly = false, after, batchSize, signal, handle, onCreated, onRecreate, idleHeartbeatMs = 2_000, behind, stallMs = 5_000, logger = silentLogger } = options;
  let backoff = 100;
  while (!signal.aborted) {
    let reason: string | undefined;
    try {
      const start = after();
      const consumer = await js.consumers.get(streamName, {
        filter_subjects: filter,
        headers_only: headersOnly,
        ...(start > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 } : { deliver_policy: DeliverPolicy.All }),
      });
      const messages = await consumer.consume({ max_messages: Math.max(batchSize * 2, 100), idle_heartbeat: idleHeartbeatMs });
      onCreated?.(start);
      const buffer: JsMsg[] = [];
      let wake: (() => void) | undefined;
      const poke = (): void => {
        wake?.();
        wake = undefined;
      };
      let ended = false;
      const onAbort = (): void => {
        void messages.close().catch(() => undefined);
        poke();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void (async () => {
        for await (const status of messages.status()) {
          if (status.type === 'heartbeats_missed' && status.count >= 2) {
            reason = `missed ${status.count} heartbeats`;
            void messages.close().catch(() => undefined);
            poke();
          }
        }
      })().catch(() => undefined);
      let delivered = start;
      let deliveredAt = performance.now();
      const watch = setInterval(() => {
        if (behind?.(delivered) === true && performance.now() - deliveredAt > stallMs) {
          reason = `delivered nothing for ${stallMs} ms after sequence ${delivered} while the stream holds more`;
          void messages.close().catch(() => undefined);
          poke();
        }
      }, 1_000);
      const reading = (async () => {
        for await (const message of messages) {
          delivered = message.seq;
          deliveredAt = performance.now();
          buffer.push(message);
          poke();
        }
      })()
        .catch((error: unknown) => {
          reason ??= messageOf(error);
        })
        .finally(() => {
          ended = true;
          poke();
        });
      try {
        while (!signal.aborted) {
          if (buffer.length === 0) {
            if (ended) break;
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          if ((await handle(buffer.splice(0, batchSize))) === 'stop') return;
          backoff = 100;
        }
      } finally {
        clearInterval(watch);
        signal.removeEventListener('abort', onAbort);
        await messages.close().catch(() => undefined);
        await reading;
      }
      if (signal.aborted) return;
      reason ??= 'the consumer ended';
    } catch (error) {
      if (signal.aborted) return;
      reason = messageOf(error);
    }
    onRecreate?.(reason);
    logger.warn({ stream: streamName, filter, reason, backoffMs: backoff }, 'ordered consumer recreated from the last sequence handled');
    await sleep(backoff, signal);
    // at most 1 s: a consumer recreated during an election should follow the new leader soon after it is elected
    backoff = Math.min(backoff * 2, 1_000);
  }
}
