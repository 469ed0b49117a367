// Reads a stream's events from a version on, in version order.
import type { NamedStatement } from '../postgres-client.js';

export const readStream: NamedStatement = {
  name: 'twofold_read_stream',
  text: `SELECT global_position, transaction_id::text AS xid, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at
FROM twofold_events
WHERE stream_id = $1 AND stream_version >= $2
ORDER BY stream_version`,
};
