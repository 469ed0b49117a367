// Starts a rebuild of a projection in generation $2 at version $3, from the log start; one asked for again starts over.
import type { NamedStatement } from '../postgres-client.js';

export const startRebuild: NamedStatement = {
  name: 'twofold_start_rebuild',
  text: `INSERT INTO twofold_rebuilds (name, generation, version) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET generation = $2, version = $3, transaction_id = 0, position = 0, last_event_at = NULL, started_at = now()
RETURNING started_at`,
};
