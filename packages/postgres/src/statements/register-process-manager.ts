// Records when a process manager first ran, as the log's last position then; later runs keep the first record.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name. Returns live_after: events up to it were written before the process manager existed. */
export const registerProcessManager: NamedStatement = {
  name: 'twofold_register_process_manager',
  text: `WITH inserted AS (
  INSERT INTO twofold_process_managers (name, live_after)
  SELECT $1, coalesce(max(global_position), 0) FROM twofold_events
  ON CONFLICT (name) DO NOTHING
  RETURNING live_after)
SELECT live_after FROM inserted UNION ALL SELECT live_after FROM twofold_process_managers WHERE name = $1`,
};
