// Takes a projection's rebuild row until the transaction ends, waiting for a batch of that rebuild that holds it.
import type { NamedStatement } from '../postgres-client.js';

/**
 * A rebuild's batch claims this row (moveRebuildCheckpoint) before it writes its generation's tables. Whoever drops
 * those tables takes the row first, so it waits for such a batch to commit instead of holding the tables the batch
 * is about to write while waiting for the row: the same order as the batch, so the two cannot deadlock.
 */
export const lockRebuild: NamedStatement = {
  name: 'twofold_lock_rebuild',
  text: `SELECT generation FROM twofold_rebuilds WHERE name = $1 FOR UPDATE`,
};
