// Reading a loaded stream's events as the domain's event type.
import type { Event, LoadedStream, StoredEvent } from '@twofold/core';

/** The events of a loaded stream; a stream only ever holds its own module's events. */
export const eventsOf = <E extends Event>(streams: ReadonlyMap<string, LoadedStream>, streamId: string): readonly StoredEvent<E>[] =>
  (streams.get(streamId)?.events ?? []) as readonly StoredEvent<E>[];
