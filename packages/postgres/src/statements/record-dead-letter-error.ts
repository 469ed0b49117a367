// Records the error a dead letter failed with on its latest retry.
import type { NamedStatement } from '../postgres-client.js';

export const recordDeadLetterError: NamedStatement = {
  name: 'twofold_record_dead_letter_error',
  text: `UPDATE twofold_dead_letters SET error = $3 WHERE projection = $1 AND id = $2`,
};
