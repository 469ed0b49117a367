// Gives a projection's lease back: it expires now, if the grant is still the current one.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name, $2 fencing token. */
export const releaseLease: NamedStatement = {
  name: 'twofold_release_lease',
  text: `UPDATE twofold_leases SET expires_at = '-infinity' WHERE name = $1 AND token = $2`,
};
