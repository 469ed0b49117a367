// Records which tables a projection declares (NULL: none, so it cannot be rebuilt beside the live one); returns its live generation.
import type { NamedStatement } from '../postgres-client.js';

export const recordProjectionTables: NamedStatement = {
  name: 'twofold_record_projection_tables',
  text: `UPDATE twofold_checkpoints SET tables = $2 WHERE name = $1 RETURNING generation`,
};
