// Each partition of a partitioned projection: who runs it, where it stands, how far behind the head of the log.
import type { LogHead, PartitionCheckpoint } from '@twofold/core';
import { Type, type Static } from '@sinclair/typebox';

export const PartitionOverview = Type.Object({
  partition: Type.Integer({ minimum: 0 }),
  owner: Type.Union([Type.String(), Type.Null()], { description: 'the worker holding its lease, or null while none does' }),
  fence: Type.Integer({ minimum: 0 }),
  position: Type.Integer({ minimum: 0, description: 'every event of the partition up to here is applied (an idle partition stands at the tail it has nothing before)' }),
  lagEvents: Type.Integer({ minimum: 0 }),
  lagMs: Type.Integer({ minimum: 0 }),
});
export type PartitionOverview = Static<typeof PartitionOverview>;

/** The partitions of `projection` among `rows`, with their lag behind `head`. */
export function partitionOverview(rows: readonly PartitionCheckpoint[], projection: string, head: LogHead | undefined): PartitionOverview[] {
  const headPosition = head?.cursor.position ?? 0;
  return rows
    .filter((row) => row.projections.includes(projection))
    .map((row) => {
      const lagEvents = Math.max(0, headPosition - row.cursor.position);
      const lagMs = lagEvents > 0 && head !== undefined && row.lastEventAt !== undefined ? Math.max(0, head.recordedAt.getTime() - row.lastEventAt.getTime()) : 0;
      return { partition: row.partition, owner: row.owner ?? null, fence: row.fence, position: row.cursor.position, lagEvents, lagMs };
    });
}
