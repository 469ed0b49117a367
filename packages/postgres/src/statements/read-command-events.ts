// Reads where the events of one command (by metadata.commandId) were stored: to learn whether an append whose answer was lost committed.
import type { NamedStatement } from '../postgres-client.js';

export const readCommandEvents: NamedStatement = {
  name: 'twofold_read_command_events',
  text: `SELECT stream_id, stream_version, global_position, transaction_id::text AS xid
FROM twofold_events
WHERE metadata->>'commandId' = $1
ORDER BY global_position`,
};

export interface CommandEventRow {
  readonly stream_id: string;
  readonly stream_version: string | number;
  readonly global_position: string | number;
  readonly xid: string;
}
