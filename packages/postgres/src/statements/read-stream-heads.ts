// Reads the current version and last global position of some streams (to check an expectation or explain a conflict).
import type { NamedStatement } from '../postgres-client.js';

export const readStreamHeads: NamedStatement = {
  name: 'twofold_read_stream_heads',
  text: `SELECT DISTINCT ON (stream_id) stream_id, stream_version, global_position, transaction_id::text AS xid
FROM twofold_events
WHERE stream_id = ANY($1::text[])
ORDER BY stream_id, stream_version DESC`,
};

export interface StreamHeadRow {
  readonly stream_id: string;
  readonly stream_version: string | number;
  readonly global_position: string | number;
  readonly xid: string;
}
