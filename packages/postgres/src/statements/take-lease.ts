// Grants a projection's lease to a holder if it is free, released, expired, or its holder's session is gone: a new fencing token, or no row.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 name, $2 holder, $3 ttl in ms. Expiry is on the server's clock, so the holders' clocks need not agree. A
 * holder whose process died is noticed at once: its session (the backend it renews through) ended. A stalled
 * holder's session lives on, so its lease lasts until it expires. (A reused pid only delays a take-over to expiry.)
 */
export const takeLease: NamedStatement = {
  name: 'twofold_take_lease',
  text: `INSERT INTO twofold_leases AS l (name, holder, token, expires_at, holder_pid)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond', pg_backend_pid())
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at, holder_pid = excluded.holder_pid
WHERE l.expires_at <= clock_timestamp() OR NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.pid = l.holder_pid)
RETURNING token`,
};
