// Pauses or resumes a projection ($2): the daemon applies nothing while it is paused. 0 rows: no such projection.
import type { NamedStatement } from '../postgres-client.js';

export const setProjectionPaused: NamedStatement = {
  name: 'twofold_set_projection_paused',
  text: `UPDATE twofold_checkpoints SET paused = $2 WHERE name = $1`,
};
