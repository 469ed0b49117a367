// Gives a partition back (rebalancing, stopping): free at once for the worker it is assigned to.
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 partition, $3 fence, $4 worker. */
export const releasePartition: NamedStatement = {
  name: 'twofold_release_partition',
  text: `UPDATE twofold_partition_checkpoints SET owner = NULL, lease_expires_at = NULL
WHERE group_name = $1 AND partition = $2 AND fence = $3 AND owner = $4`,
};
