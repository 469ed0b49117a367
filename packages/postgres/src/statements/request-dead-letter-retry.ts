// Asks the daemon holding a projection's lease to apply its dead letters again. 0 rows: no such projection.
import type { NamedStatement } from '../postgres-client.js';

export const requestDeadLetterRetry: NamedStatement = {
  name: 'twofold_request_dead_letter_retry',
  text: `UPDATE twofold_checkpoints SET retry_requested = true WHERE name = $1`,
};
