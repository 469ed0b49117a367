// Groups stored events by the command that wrote them (`metadata.commandId`): what each command appended, stream by stream.
import type { AppendedStream, CommandEvents } from '../event-store.js';

/** One stored event, as much of it as the grouping needs. */
export interface CommandEventRecord {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly transactionId: number;
  readonly metadata: { readonly [key: string]: unknown };
}

/** Events in position order in, each command's streams (in the order of its first event there) out. */
export function commandEventsOf(events: readonly CommandEventRecord[]): Map<string, CommandEvents> {
  const byCommand = new Map<string, { streams: Map<string, AppendedStream>; position: number; transactionId: number }>();
  for (const event of events) {
    const commandId = event.metadata.commandId;
    if (typeof commandId !== 'string') continue;
    const command = byCommand.get(commandId) ?? { streams: new Map<string, AppendedStream>(), position: 0, transactionId: event.transactionId };
    byCommand.set(commandId, command);
    const stream = command.streams.get(event.streamId);
    const positions = [...(stream?.positions ?? []), event.globalPosition];
    command.streams.set(event.streamId, { streamId: event.streamId, streamVersion: event.streamVersion, position: event.globalPosition, positions });
    command.position = Math.max(command.position, event.globalPosition);
  }
  return new Map([...byCommand].map(([id, c]) => [id, { streams: [...c.streams.values()], position: c.position, transactionId: c.transactionId }]));
}
