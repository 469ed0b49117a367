// Reads dead letters in log order: one projection's, or all when the name is NULL.
import type { NamedStatement } from '../postgres-client.js';

export const readDeadLetters: NamedStatement = {
  name: 'twofold_read_dead_letters',
  text: `SELECT id, projection, event, error, parked_at FROM twofold_dead_letters
WHERE $1::text IS NULL OR projection = $1
ORDER BY projection, transaction_id, global_position`,
};

export interface DeadLetterRow {
  readonly id: string | number;
  readonly projection: string;
  readonly event: Record<string, unknown>;
  readonly error: string;
  readonly parked_at: Date | string;
}
