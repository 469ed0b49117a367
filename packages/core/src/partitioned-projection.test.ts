import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionedCheckpointFeed, type PartitionPositionSource } from './partitioned-checkpoint-feed.js';
import { assignedPartitions, lowestPartition, type PartitionCheckpoint, type PartitionPosition } from './partitioned-projection.js';
import type { CheckpointListener, CheckpointMove, ProjectionCheckpoint } from './projection.js';

describe('assignedPartitions', () => {
  it('gives every partition to exactly one live worker, shares differing by at most one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 64 }), (workers, partitions) => {
        const shares = workers.map((worker) => assignedPartitions([...workers].reverse(), worker, partitions));
        const all = shares.flat().sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: partitions }, (_, i) => i));
        const sizes = shares.map((share) => share.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('gives a worker that is not alive nothing, and one alone everything', () => {
    expect(assignedPartitions(['a'], 'b', 4)).toEqual([]);
    expect(assignedPartitions(['a'], 'a', 4)).toEqual([0, 1, 2, 3]);
    expect(assignedPartitions(['b', 'a'], 'b', 4)).toEqual([1, 3]);
  });
});

const at = (partition: number, position: number): PartitionPosition => ({ partition, cursor: { transactionId: position, position }, lastEventAt: new Date(position) });
const row = (partition: number, position: number): PartitionCheckpoint => ({
  ...at(partition, position), group: 'g', partitions: 3, projections: ['orders'], owner: undefined, fence: 1, sequence: position, appliedCursor: at(partition, position).cursor, leaseExpiresAt: undefined,
});

describe('lowestPartition', () => {
  it('is the lowest position, or undefined while a partition is missing', () => {
    expect(lowestPartition([at(0, 5), at(1, 3), at(2, 9)], 3)).toEqual(at(1, 3));
    expect(lowestPartition([at(0, 5), at(2, 9)], 3)).toBeUndefined();
  });
});

describe('partitionedCheckpointFeed', () => {
  it('puts a partitioned projection at its lowest partition and announces it only when that moves forward', async () => {
    const checkpoint = (name: string): ProjectionCheckpoint => ({ name, version: 1, cursor: { transactionId: 0, position: 0 }, lastEventAt: undefined, updatedAt: new Date(0) });
    let baseListener: CheckpointListener = () => undefined;
    let partitionListener: Parameters<PartitionPositionSource['subscribe']>[0] = () => undefined;
    const feed = partitionedCheckpointFeed(
      { readCheckpoints: async () => [checkpoint('orders'), checkpoint('balances')], subscribe: (l) => ((baseListener = l), () => undefined) },
      { read: async () => [row(0, 4), row(1, 2), row(2, 7)], subscribe: (l) => ((partitionListener = l), () => undefined) },
    );
    const heard: (readonly CheckpointMove[] | undefined)[] = [];
    feed.subscribe((moves) => heard.push(moves));
    const read = await feed.readCheckpoints();
    expect(read.map((c) => [c.name, c.cursor.position])).toEqual([['orders', 2], ['balances', 0]]);
    partitionListener('g', [at(0, 9)]);
    expect(heard).toEqual([]);
    partitionListener('g', [at(1, 8)]);
    expect(heard).toEqual([[{ name: 'orders', cursor: { transactionId: 7, position: 7 }, lastEventAt: new Date(7) }]]);
    // an older position changes nothing
    partitionListener('g', [at(2, 3)]);
    expect(heard).toHaveLength(1);
    baseListener([{ name: 'orders', cursor: { transactionId: 99, position: 99 }, lastEventAt: undefined }, { name: 'balances', cursor: { transactionId: 5, position: 5 }, lastEventAt: undefined }]);
    expect(heard[1]).toEqual([{ name: 'balances', cursor: { transactionId: 5, position: 5 }, lastEventAt: undefined }]);
    partitionListener('other', [at(0, 1)]);
    expect(heard[2]).toBeUndefined();
    expect(heard).toHaveLength(3);
  });
});
