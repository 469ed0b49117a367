// Cancels pending deadlines by id; fired or already cancelled ones stay as they are.
import type { NamedStatement } from '../postgres-client.js';

/** $1 the ids (text[]). A deadline being fired right now is cancelled too: recording its firing then finds it no longer pending. */
export const cancelDeadlines: NamedStatement = {
  name: 'twofold_cancel_deadlines',
  text: `UPDATE twofold_deadlines SET status = 'cancelled', finished_at = clock_timestamp() WHERE id = ANY($1::text[]) AND status = 'pending'`,
};
