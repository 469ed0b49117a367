// Reading the relayed stream from outside the relay: every message in order (audits, tooling, tests) and where the
// stream stands (its size and which server leads it).
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { StoredEvent } from '@twofold/core';
import { parseBusUrl } from './bus-url.js';
import { parseEventSubject } from './partition-subjects.js';
import { decodeRelayedEvent } from './relayed-event.js';

export interface EventStreamLocation {
  /** `nats://host:port[,host:port…]`. */
  readonly servers: string;
  /** Default TWOFOLD_EVENTS. */
  readonly streamName?: string;
  /** Default `twofold.events`. */
  readonly subjectPrefix?: string;
}

export interface RelayedMessage {
  readonly sequence: number;
  readonly subject: string;
  readonly partition: number;
  readonly event: StoredEvent;
}

export interface EventStreamState {
  readonly messages: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  /** The server that leads the stream, when clustered. */
  readonly leader: string | undefined;
  readonly replicas: readonly string[];
}

async function withConnection<T>(servers: string, use: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: parseBusUrl(servers), name: 'twofold event stream reader' });
  try {
    return await use(nc);
  } finally {
    await nc.close();
  }
}

export async function readEventStreamState(location: EventStreamLocation): Promise<EventStreamState> {
  const { servers, streamName = 'TWOFOLD_EVENTS' } = location;
  return withConnection(servers, async (nc) => {
    const info = await (await jetstreamManager(nc)).streams.info(streamName);
    return {
      messages: info.state.messages,
      firstSequence: info.state.first_seq,
      lastSequence: info.state.last_seq,
      leader: info.cluster?.leader,
      replicas: (info.cluster?.replicas ?? []).map((replica) => replica.name),
    };
  });
}

/** Every message of the stream, in stream order, decoded back to the events the relay read from the log. */
export async function readRelayedEvents(location: EventStreamLocation): Promise<RelayedMessage[]> {
  const { servers, streamName = 'TWOFOLD_EVENTS', subjectPrefix = 'twofold.events' } = location;
  return withConnection(servers, async (nc) => {
    const { state } = await (await jetstreamManager(nc)).streams.info(streamName);
    const messages: RelayedMessage[] = [];
    if (state.messages === 0) return messages;
    const consumer = await jetstream(nc).consumers.get(streamName);
    const iterator = await consumer.consume({ max_messages: 1_000 });
    for await (const message of iterator) {
      messages.push({
        sequence: message.seq,
        subject: message.subject,
        partition: parseEventSubject(subjectPrefix, message.subject).partition,
        event: decodeRelayedEvent(subjectPrefix, { subject: message.subject, headers: message.headers, data: message.data }),
      });
      if (message.seq >= state.last_seq) break;
    }
    await iterator.close();
    return messages;
  });
}
