// Deletes a projection's dead letters: those with the ids in $2, or all when $2 is NULL.
import type { NamedStatement } from '../postgres-client.js';

export const dropDeadLetters: NamedStatement = {
  name: 'twofold_drop_dead_letters',
  text: `DELETE FROM twofold_dead_letters WHERE projection = $1 AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))`,
};
