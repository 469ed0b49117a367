// A partitioned projector says it is alive, and learns which workers of its group are (it computes its share from them).
import type { NamedStatement } from '../postgres-client.js';

/** $1 group, $2 worker, $3 ttl in ms. On the server's clock, so the workers' clocks need not agree. */
export const beatPartitionWorker: NamedStatement = {
  name: 'twofold_beat_partition_worker',
  text: `WITH beat AS (
  INSERT INTO twofold_partition_workers (group_name, worker, alive_until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
  ON CONFLICT (group_name, worker) DO UPDATE SET alive_until = excluded.alive_until
  RETURNING worker
)
SELECT worker FROM beat
UNION SELECT worker FROM twofold_partition_workers WHERE group_name = $1 AND worker <> $2 AND alive_until > clock_timestamp()`,
};
