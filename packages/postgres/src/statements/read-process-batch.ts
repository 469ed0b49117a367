// What a process manager's batch starts from, in one statement: the last event it reacted to, and its instances' states.
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 process, $2 the batch's instances (text[]). One row per instance found, or one with null instance columns when
 * none is; every row carries the last event (in commit order) the process manager reacted to. No row: not registered.
 *
 * Each instance is its own lookup by the whole primary key (LIMIT 1 keeps the planner from flattening the lookup
 * into a join, where it may again scan the process and filter). Written as `instance = ANY($2)` beside the process, the
 * planner could scan every instance of the process and filter (it did whenever its statistics were older than the
 * table's growth): a batch then cost as much as the process's whole history, 1 ms at 1,000 orders and growing.
 */
export const readProcessBatch: NamedStatement = {
  name: 'twofold_read_process_batch',
  text: `SELECT m.reacted_through_transaction, m.reacted_through_position, s.instance, s.state, s.last_position
FROM twofold_process_managers m
LEFT JOIN LATERAL (
  SELECT found.instance, found.state, found.last_position
  FROM unnest($2::text[]) AS wanted(instance)
  CROSS JOIN LATERAL (
    SELECT p.instance, p.state, p.last_position FROM twofold_process_states p WHERE p.process = m.name AND p.instance = wanted.instance
    LIMIT 1
  ) AS found
) AS s ON true
WHERE m.name = $1`,
};
