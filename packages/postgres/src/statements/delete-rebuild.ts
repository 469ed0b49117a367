// Forgets a projection's rebuild once readers switched to it.
import type { NamedStatement } from '../postgres-client.js';

export const deleteRebuild: NamedStatement = {
  name: 'twofold_delete_rebuild',
  text: `DELETE FROM twofold_rebuilds WHERE name = $1`,
};
