// Clears a projection's dead-letter retry request once the retry ran.
import type { NamedStatement } from '../postgres-client.js';

export const clearDeadLetterRetry: NamedStatement = {
  name: 'twofold_clear_dead_letter_retry',
  text: `UPDATE twofold_checkpoints SET retry_requested = false WHERE name = $1`,
};
