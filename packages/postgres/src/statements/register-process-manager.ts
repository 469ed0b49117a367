// Records a process manager on its first run, as having reacted to nothing yet; later runs keep the record.
import type { NamedStatement } from '../postgres-client.js';

/** $1 name. */
export const registerProcessManager: NamedStatement = {
  name: 'twofold_register_process_manager',
  text: `INSERT INTO twofold_process_managers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`,
};
