// Grants a projection's lease to a holder if it is free, released or expired: a new fencing token, or no row.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name, $2 holder, $3 ttl in ms. Expiry is on the server's clock, so the holders' clocks need not agree. */
export const takeLease: NamedStatement = {
  name: 'twofold_take_lease',
  text: `INSERT INTO twofold_leases AS l (name, holder, token, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = l.token + 1, expires_at = excluded.expires_at
WHERE l.expires_at <= clock_timestamp()
RETURNING token`,
};
