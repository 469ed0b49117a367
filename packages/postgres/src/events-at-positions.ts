// What a projection needs to read its batch's events where they are, when its read store is the event store's own database.

/**
 * A FROM-clause item: the log's events whose global positions the `bigint[]` parameter `positions` (`$1`) lists,
 * as rows `(global_position, stream_id, stream_version, event_type, data, metadata, recorded_at)`. A projection
 * declared `usesEventData: false` gets its batch's events without data; its statements join this instead, so event
 * bodies go neither to the daemon nor back. The log's own table stays the adapter's to name.
 */
export const eventsAtPositions = (positions: string): string =>
  `(SELECT global_position, stream_id, stream_version, event_type, data, metadata, recorded_at
    FROM twofold_events WHERE global_position = ANY(${positions}::bigint[]))`;
