// Cancels pending deadlines by id; fired or already cancelled ones stay as they are.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 the ids (text[]). A deadline a dispatcher holds is being fired: too late to cancel, its command decides (an
 * order paid meanwhile refuses its payment-timeout cancellation, and the deadline is recorded as rejected).
 */
export const cancelDeadlines: NamedStatement = {
  name: 'twofold_cancel_deadlines',
  text: `UPDATE twofold_deadlines SET status = 'cancelled', finished_at = clock_timestamp() WHERE id = ANY($1::text[]) AND status = 'pending'
  AND (claimed_by IS NULL OR claimed_until <= clock_timestamp())`,
};
