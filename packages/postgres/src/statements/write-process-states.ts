// Writes the states of a process manager's instances after a batch.
import type { NamedStatement } from '../postgres-client.js';

/** $1 process, $2 a JSON array of { instance, state, last_position }. */
export const writeProcessStates: NamedStatement = {
  name: 'twofold_write_process_states',
  text: `INSERT INTO twofold_process_states (process, instance, state, last_position)
SELECT $1, r.instance, r.state, r.last_position FROM jsonb_to_recordset($2::jsonb) AS r(instance text, state jsonb, last_position bigint)
ON CONFLICT (process, instance) DO UPDATE SET state = excluded.state, last_position = excluded.last_position`,
};
