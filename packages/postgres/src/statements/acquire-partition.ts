// Grants a partition to a worker when no unexpired lease holds it: a new fence, and where its checkpoint stands.
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 partition, $3 worker, $4 ttl in ms. No row: another worker holds it. */
export const acquirePartition: NamedStatement = {
  name: 'twofold_acquire_partition',
  text: `UPDATE twofold_partition_checkpoints
SET owner = $3, fence = fence + 1, lease_expires_at = clock_timestamp() + $4 * interval '1 millisecond'
WHERE group_name = $1 AND partition = $2 AND (owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())
RETURNING fence, sequence, transaction_id, position`,
};
