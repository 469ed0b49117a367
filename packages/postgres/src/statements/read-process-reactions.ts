// Reads the last event (in commit order) a process manager reacted to.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name. */
export const readProcessReactions: NamedStatement = {
  name: 'twofold_read_process_reactions',
  text: `SELECT reacted_through_transaction, reacted_through_position FROM twofold_process_managers WHERE name = $1`,
};
