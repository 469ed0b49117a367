// Makes the rebuilt generation (and its version) the one readers see.
import type { NamedStatement } from '../postgres-client.js';

export const switchToRebuiltGeneration: NamedStatement = {
  name: 'twofold_switch_to_rebuilt_generation',
  text: `UPDATE twofold_checkpoints c SET generation = r.generation, version = r.version, updated_at = now()
FROM twofold_rebuilds r WHERE c.name = $1 AND r.name = c.name`,
};
