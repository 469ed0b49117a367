// Reads a stream's events from a version on, in version order, at most a number of them.
import type { NamedStatement } from '../postgres-client.js';

/** `$3` caps the rows; NULL reads them all (LIMIT NULL is LIMIT ALL), so one prepared plan serves both. */
export const readStream: NamedStatement = {
  name: 'twofold_read_stream',
  text: `SELECT global_position, transaction_id::text AS xid, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at
FROM twofold_events
WHERE stream_id = $1 AND stream_version >= $2
ORDER BY stream_version
LIMIT $3::bigint`,
};
