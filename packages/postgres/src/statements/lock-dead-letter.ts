// Locks one dead letter of a projection for its retry; returns the live generation and tables it is applied to. No row: no such letter.
import type { NamedStatement } from '../postgres-client.js';

export const lockDeadLetter: NamedStatement = {
  name: 'twofold_lock_dead_letter',
  text: `SELECT c.generation, c.tables FROM twofold_dead_letters d JOIN twofold_checkpoints c ON c.name = d.projection
WHERE d.projection = $1 AND d.id = $2 FOR UPDATE OF d`,
};
