// Records where idle partitions stand (the carrier's tail they have nothing before), forward only and under their fences.
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 partitions (int[]), $3 fences (bigint[]), $4 transaction ids, $5 positions (bigint[]), $6 event times (timestamptz[]). */
export const recordPartitionPositions: NamedStatement = {
  name: 'twofold_record_partition_positions',
  text: `UPDATE twofold_partition_checkpoints t
SET idle_transaction_id = c.transaction_id, idle_position = c.position, idle_event_at = c.event_at
FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::timestamptz[]) AS c(partition, fence, transaction_id, position, event_at)
WHERE t.group_name = $1 AND t.partition = c.partition AND t.fence = c.fence
  AND (t.idle_transaction_id, t.idle_position) < (c.transaction_id, c.position)`,
};
