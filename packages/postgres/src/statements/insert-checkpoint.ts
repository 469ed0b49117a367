// Creates a projection's checkpoint at the start of the log, unless it exists.
import type { NamedStatement } from '../postgres-client.js';

export const insertCheckpoint: NamedStatement = {
  name: 'twofold_insert_checkpoint',
  text: `INSERT INTO twofold_checkpoints (name, version) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
};
