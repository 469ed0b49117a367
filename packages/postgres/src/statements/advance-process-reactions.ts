// Moves a process manager's last reacted-to event forward (never back), in the transaction of the batch that reacted.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name, $2 transaction id, $3 position of the batch's last event. */
export const advanceProcessReactions: NamedStatement = {
  name: 'twofold_advance_process_reactions',
  text: `UPDATE twofold_process_managers SET reacted_through_transaction = $2, reacted_through_position = $3
WHERE name = $1 AND (reacted_through_transaction, reacted_through_position) < ($2::bigint, $3::bigint)`,
};
