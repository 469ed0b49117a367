// Creates a partition group's rows if missing, each at the lowest checkpoint its projections had unpartitioned (a replay
// from there is harmless: projections are idempotent), and records which projections the group applies.
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 partitions, $3 projections (text[]). Returns the partition count of every row (to check it agrees). */
export const preparePartitionGroup: NamedStatement = {
  name: 'twofold_prepare_partition_group',
  text: `WITH start AS (
  SELECT c.transaction_id, c.position, c.last_event_at FROM twofold_checkpoints c WHERE c.name = ANY($3::text[])
  UNION ALL SELECT 0, 0, NULL WHERE (SELECT count(*) FROM twofold_checkpoints WHERE name = ANY($3::text[])) < cardinality($3::text[])
  ORDER BY 1, 2 LIMIT 1
)
INSERT INTO twofold_partition_checkpoints AS t (group_name, partition, partitions, projections, transaction_id, position, last_event_at)
SELECT $1, p, $2, $3::text[], s.transaction_id, s.position, s.last_event_at FROM generate_series(0, $2 - 1) p CROSS JOIN start s
ON CONFLICT (group_name, partition) DO UPDATE SET projections = excluded.projections
RETURNING t.partitions`,
};
