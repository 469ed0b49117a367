// Reads the states of a process manager's instances, with the position each was last moved by.
import type { NamedStatement } from '../postgres-client.js';

/** $1 process, $2 instances (text[]). */
export const readProcessStates: NamedStatement = {
  name: 'twofold_read_process_states',
  text: `SELECT instance, state, last_position FROM twofold_process_states WHERE process = $1 AND instance = ANY($2::text[])`,
};
