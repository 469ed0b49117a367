// Reads how far the oldest running transaction holds readers back: its age, who runs it, and the committed events readers cannot see yet.
import type { NamedStatement } from '../postgres-client.js';

/**
 * The horizon is the snapshot's xmin, the oldest transaction id still running anywhere on the
 * server. Its owner is a backend (pg_stat_activity.backend_xid) or a prepared transaction.
 * Committed events at or above the horizon are visible to this snapshot but not yet to readAll.
 */
export const readHighWaterMark: NamedStatement = {
  name: 'twofold_read_high_water_mark',
  text: `WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
holder AS (
  SELECT a.pid, a.xact_start AS started_at, a.application_name, a.state, a.client_addr::text AS client_addr
  FROM pg_stat_activity a, horizon h WHERE a.backend_xid = xid(h.xmin)
  UNION ALL
  SELECT NULL, p.prepared, NULL, 'prepared transaction ' || p.gid, NULL FROM pg_prepared_xacts p, horizon h WHERE p.transaction = xid(h.xmin)
)
SELECT h.xmin::text AS horizon,
       (SELECT extract(epoch FROM clock_timestamp() - min(started_at)) * 1000 FROM holder)::float8 AS oldest_age_ms,
       (SELECT pid FROM holder WHERE pid IS NOT NULL LIMIT 1) AS holder_pid,
       holder.application_name AS holder_application_name,
       holder.state AS holder_state,
       holder.started_at AS holder_started_at,
       holder.client_addr AS holder_client_addr,
       (SELECT count(*) FROM twofold_events e WHERE e.transaction_id >= h.xmin) AS invisible_events
FROM horizon h LEFT JOIN LATERAL (SELECT * FROM holder ORDER BY started_at LIMIT 1) holder ON true`,
};
