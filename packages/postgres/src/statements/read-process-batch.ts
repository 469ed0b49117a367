// What a process manager's batch starts from, in one statement: the last event it reacted to, and its instances' states.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 process, $2 the batch's instances (text[]). One row per instance found, or one with null instance columns when
 * none is; every row carries the last event (in commit order) the process manager reacted to. No row: not registered.
 */
export const readProcessBatch: NamedStatement = {
  name: 'twofold_read_process_batch',
  text: `SELECT m.reacted_through_transaction, m.reacted_through_position, s.instance, s.state, s.last_position
FROM twofold_process_managers m
LEFT JOIN twofold_process_states s ON s.process = m.name AND s.instance = ANY($2::text[])
WHERE m.name = $1`,
};
