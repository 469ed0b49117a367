// Compare-and-set of a partition's checkpoint, first in the batch transaction: only under the current fence, before
// the lease expired, from where the batch started (0 rows: the worker lost the partition; nothing is applied).
import type { NamedStatement } from '../postgres-client.js';

/**
 * $1 group, $2 partition, $3 fence, $4 sequence the batch started after, $5 new sequence, $6 transaction id, $7
 * position, $8 last event at. The row lock it takes keeps a new holder's first batch waiting until this one ends.
 */
export const movePartitionCheckpoint: NamedStatement = {
  name: 'twofold_move_partition_checkpoint',
  text: `UPDATE twofold_partition_checkpoints
SET sequence = $5, transaction_id = $6, position = $7, last_event_at = $8, updated_at = now()
WHERE group_name = $1 AND partition = $2 AND fence = $3 AND sequence = $4 AND lease_expires_at > clock_timestamp()
RETURNING 1`,
};
