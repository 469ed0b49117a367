// Gives a claimed deadline back, to be claimed again after a pause (its command met a store failure).
import type { NamedStatement } from '../postgres-client.js';

/** $1 id, $2 owner, $3 pause in ms. Released, it is no longer being fired: it may be cancelled meanwhile. */
export const releaseDeadline: NamedStatement = {
  name: 'twofold_release_deadline',
  text: `UPDATE twofold_deadlines SET claimed_by = NULL, claimed_until = clock_timestamp() + $3 * interval '1 millisecond'
WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`,
};
