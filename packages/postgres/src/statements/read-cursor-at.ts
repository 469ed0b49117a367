// Reads the log cursor of the committed event at a global position.
import type { NamedStatement } from '../postgres-client.js';

export const readCursorAt: NamedStatement = {
  name: 'twofold_read_cursor_at',
  text: `SELECT transaction_id::text AS xid FROM twofold_events WHERE global_position = $1`,
};
