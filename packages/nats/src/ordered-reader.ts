// Reads one subject filter of the event stream with an ordered consumer, in batches, from a sequence on. An ordered
// consumer keeps per-subject order (a redelivery from an acked durable one would not); one that stalls (heartbeats
// missed, as after a node loss) or ends is recreated from the last sequence handled.
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { silentLogger, sleep, type Logger } from '@twofold/core';
import { messageOf } from './error-message.js';

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

/** How one consumer's life ended: `handle` said stop, or the consumer ended, stalled or failed (and is recreated). */
type ConsumerEnd = { readonly stopped: true } | { readonly stopped: false; readonly reason: string };

/** Resolves when `signal` aborts or `handle` says stop. */
export async function readOrdered(options: OrderedReadOptions): Promise<void> {
  const { streamName, filter, signal, onRecreate, logger = silentLogger } = options;
  let backoff = 100;
  while (!signal.aborted) {
    let reason: string;
    try {
      const end = await readOneConsumer(options, () => (backoff = 100));
      if (end.stopped || signal.aborted) return;
      reason = end.reason;
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

/** Creates one consumer after `after()` and hands its messages to `handle` in batches until it ends; a throw of `handle` propagates. */
async function readOneConsumer(options: OrderedReadOptions, onHandled: () => void): Promise<ConsumerEnd> {
  const { js, streamName, filter, headersOnly = false, after, batchSize, signal, handle, onCreated, idleHeartbeatMs = 2_000 } = options;
  const start = after();
  const consumer = await js.consumers.get(streamName, {
    filter_subjects: filter,
    headers_only: headersOnly,
    ...(start > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start + 1 } : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume({ max_messages: Math.max(batchSize * 2, 100), idle_heartbeat: idleHeartbeatMs });
  onCreated?.(start);
  const deliveries = bufferDeliveries(messages, start, options);
  try {
    while (!signal.aborted) {
      if (deliveries.buffer.length === 0) {
        if (deliveries.ended) break;
        await deliveries.next();
        continue;
      }
      if ((await handle(deliveries.buffer.splice(0, batchSize))) === 'stop') return { stopped: true };
      onHandled();
    }
  } finally {
    await deliveries.close();
  }
  return { stopped: false, reason: deliveries.reason ?? 'the consumer ended' };
}

/** One consumer's messages as they arrive, buffered for the batches; closed on abort, on a stall or after two missed heartbeats. */
interface Deliveries {
  readonly buffer: JsMsg[];
  /** Whether the consumer's messages ended (closed, failed or finished). */
  readonly ended: boolean;
  /** Why the consumer was closed or failed, if it was. */
  readonly reason: string | undefined;
  /** Resolves at the next message, the end, or an abort. */
  next(): Promise<void>;
  /** Stops watching, closes the consumer and resolves once its messages ended. */
  close(): Promise<void>;
}

function bufferDeliveries(messages: ConsumerMessages, start: number, options: OrderedReadOptions): Deliveries {
  const { signal, behind, stallMs = 5_000 } = options;
  const buffer: JsMsg[] = [];
  let reason: string | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  const closeStalled = (why: string): void => {
    reason = why;
    void messages.close().catch(() => undefined);
    poke();
  };
  const onAbort = (): void => {
    void messages.close().catch(() => undefined);
    poke();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  watchHeartbeats(messages, closeStalled);
  let delivered = start;
  let deliveredAt = performance.now();
  const watch = setInterval(() => {
    if (behind?.(delivered) === true && performance.now() - deliveredAt > stallMs) {
      closeStalled(`delivered nothing for ${stallMs} ms after sequence ${delivered} while the stream holds more`);
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
  return {
    buffer,
    get ended() {
      return ended;
    },
    get reason() {
      return reason;
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
    async close() {
      clearInterval(watch);
      signal.removeEventListener('abort', onAbort);
      await messages.close().catch(() => undefined);
      await reading;
    },
  };
}

/** Two heartbeats missed in a row (as after a node loss) count as a stall. */
function watchHeartbeats(messages: ConsumerMessages, onStall: (reason: string) => void): void {
  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' && status.count >= 2) onStall(`missed ${status.count} heartbeats`);
    }
  })().catch(() => undefined);
}
