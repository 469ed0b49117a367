// An event as the relay publishes it: the headers that carry its place in the log and its identity, a JSON body with
// its type, data and metadata; and the way back to a StoredEvent.
import type { LogCursor, StoredEvent } from '@twofold/core';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { parseEventSubject } from './partition-subjects.js';

/** The relay's headers (besides JetStream's own `Nats-Msg-Id` = event id and `Nats-Expected-Last-Sequence`). */
export const relayHeaders = {
  /** The stream id verbatim; left out when a NATS header cannot hold it (CR, LF, whitespace at either end): the subject's token always can. */
  streamId: 'Twofold-Stream-Id',
  /** The event type verbatim, under the same rule (the body always carries it). */
  eventType: 'Twofold-Event-Type',
  /** The event's global position in the log. */
  position: 'Twofold-Position',
  /** The id of the transaction that wrote it: with the position, the log cursor the relay resumes after. */
  transactionId: 'Twofold-Transaction-Id',
  streamVersion: 'Twofold-Stream-Version',
  /** ISO 8601, UTC. */
  recordedAt: 'Twofold-Recorded-At',
} as const;

export const messageIdHeader = 'Nats-Msg-Id';

/** NATS trims header values and refuses CR and LF: only values that survive as they are go in a header. */
const headerSafe = (value: string): boolean => value !== '' && value === value.trim() && !/[\r\n]/.test(value);

export interface RelayedBody {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: StoredEvent['metadata'];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The headers and body an event is published with. */
export function relayedMessage(event: StoredEvent): { headers: MsgHdrs; body: Uint8Array } {
  const headers = natsHeaders();
  if (headerSafe(event.streamId)) headers.set(relayHeaders.streamId, event.streamId);
  if (headerSafe(event.type)) headers.set(relayHeaders.eventType, event.type);
  headers.set(relayHeaders.position, String(event.globalPosition));
  headers.set(relayHeaders.transactionId, String(event.transactionId));
  headers.set(relayHeaders.streamVersion, String(event.streamVersion));
  headers.set(relayHeaders.recordedAt, event.recordedAt.toISOString());
  const body: RelayedBody = { type: event.type, data: event.data, metadata: event.metadata };
  return { headers, body: encoder.encode(JSON.stringify(body)) };
}

function integerHeader(headers: MsgHdrs, name: string): number {
  const value = headers.get(name);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new RangeError(`header ${name} is not a non-negative integer: "${value}"`);
  return Number(value);
}

/** The log cursor a relayed message carries: the relay resumes after the one of the stream's last message. */
export function cursorOfMessage(headers: MsgHdrs): LogCursor {
  return { transactionId: integerHeader(headers, relayHeaders.transactionId), position: integerHeader(headers, relayHeaders.position) };
}

/** The stream id of a message: its header when there is one, else decoded from the subject's token. */
export function streamIdOfMessage(prefix: string, subject: string, headers: MsgHdrs): string {
  return headers.has(relayHeaders.streamId) ? headers.get(relayHeaders.streamId) : parseEventSubject(prefix, subject).streamId;
}

/** The StoredEvent a relayed message carries, as the relay read it from the log. */
export function decodeRelayedEvent(prefix: string, message: { subject: string; headers: MsgHdrs | undefined; data: Uint8Array }): StoredEvent {
  const { headers } = message;
  if (headers === undefined) throw new RangeError(`message on ${message.subject} has no headers: not published by the relay`);
  const body = JSON.parse(decoder.decode(message.data)) as RelayedBody;
  const cursor = cursorOfMessage(headers);
  return {
    type: body.type,
    data: body.data,
    metadata: body.metadata,
    streamId: streamIdOfMessage(prefix, message.subject, headers),
    streamVersion: integerHeader(headers, relayHeaders.streamVersion),
    globalPosition: cursor.position,
    transactionId: cursor.transactionId,
    eventId: headers.get(messageIdHeader),
    recordedAt: new Date(headers.get(relayHeaders.recordedAt)),
  };
}
