// Reads where the events of some commands (by metadata.commandId) were stored: to learn whether an append whose answer was lost committed.
import type { NamedStatement } from '../postgres-client.js';

/**
 * Only the newest $2 positions are searched, by the primary key: the append in question was sent moments ago, so its
 * positions are among the last drawn. (An index on the command id would serve this rare lookup at the cost of one more
 * index entry on every append.) Not found here means "not found", never "not committed".
 */
export const readCommandEvents: NamedStatement = {
  name: 'twofold_read_command_events',
  text: `SELECT metadata->>'commandId' AS command_id, stream_id, stream_version, global_position, transaction_id::text AS xid
FROM twofold_events
WHERE global_position > (SELECT coalesce(max(global_position), 0) FROM twofold_events) - $2
  AND metadata->>'commandId' = ANY($1::text[])
ORDER BY global_position`,
};

/** How many of the newest positions a command lookup searches. */
export const commandLookupWindow = 1_000_000;

export interface CommandEventRow {
  readonly command_id: string;
  readonly stream_id: string;
  readonly stream_version: string | number;
  readonly global_position: string | number;
  readonly xid: string;
}
