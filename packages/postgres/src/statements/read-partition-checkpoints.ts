// Every partition row (of one group, or all): lease, checkpoint and idle position.
import type { NamedStatement } from '../postgres-client.js';

export interface PartitionCheckpointRow {
  group_name: string;
  partition: number;
  partitions: number;
  projections: string[];
  owner: string | null;
  fence: string | number;
  lease_expires_at: Date | string | null;
  sequence: string | number;
  transaction_id: string | number;
  position: string | number;
  last_event_at: Date | string | null;
  idle_transaction_id: string | number;
  idle_position: string | number;
  idle_event_at: Date | string | null;
}

/** $1 group or NULL for every group. */
export const readPartitionCheckpoints: NamedStatement = {
  name: 'twofold_read_partition_checkpoints',
  text: `SELECT group_name, partition, partitions, projections, owner, fence,
  CASE WHEN lease_expires_at > clock_timestamp() THEN lease_expires_at END AS lease_expires_at,
  sequence, transaction_id, position, last_event_at, idle_transaction_id, idle_position, idle_event_at
FROM twofold_partition_checkpoints WHERE $1::text IS NULL OR group_name = $1 ORDER BY group_name, partition`,
};
