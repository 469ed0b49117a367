// Extends a projection's lease for the grant that holds it, unless it already expired (it may have been taken over).
import type { NamedStatement } from '../postgres-client.js';

/** $1 name, $2 fencing token, $3 ttl in ms. */
export const renewLease: NamedStatement = {
  name: 'twofold_renew_lease',
  text: `UPDATE twofold_leases SET expires_at = clock_timestamp() + $3 * interval '1 millisecond', holder_pid = pg_backend_pid()
WHERE name = $1 AND token = $2 AND expires_at > clock_timestamp()
RETURNING token`,
};
