// Deletes one dead letter of a projection (it was applied on retry).
import type { NamedStatement } from '../postgres-client.js';

export const deleteDeadLetter: NamedStatement = {
  name: 'twofold_delete_dead_letter',
  text: `DELETE FROM twofold_dead_letters WHERE projection = $1 AND id = $2`,
};
