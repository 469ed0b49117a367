// A projection's live generation, its declared tables and the generation of a rebuild under way (NULL: none).
import type { NamedStatement } from '../postgres-client.js';

export const readProjectionGenerations: NamedStatement = {
  name: 'twofold_read_projection_generations',
  text: `SELECT c.generation, c.tables, r.generation AS rebuild_generation FROM twofold_checkpoints c LEFT JOIN twofold_rebuilds r ON r.name = c.name WHERE c.name = $1`,
};
