// Extends a worker's partition leases that are still its own under their fences and unexpired.
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 worker, $3 partitions (int[]), $4 their fences (bigint[]), $5 ttl in ms. Returns the partitions renewed. */
export const renewPartitions: NamedStatement = {
  name: 'twofold_renew_partitions',
  text: `UPDATE twofold_partition_checkpoints t SET lease_expires_at = clock_timestamp() + $5 * interval '1 millisecond'
FROM unnest($3::int[], $4::bigint[]) AS c(partition, fence)
WHERE t.group_name = $1 AND t.partition = c.partition AND t.fence = c.fence AND t.owner = $2 AND t.lease_expires_at > clock_timestamp()
RETURNING t.partition`,
};
