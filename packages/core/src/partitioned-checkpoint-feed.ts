// What a consistency gate reads for partitioned projections: each one's checkpoint is the lowest of its partitions'
// positions (a token is reached when every partition has passed it; an idle partition stands at the tail it has
// nothing before), kept in memory from the partitions' announcements and re-read with the stores.
import type { Unsubscribe } from './event-store.js';
import { compareCursors } from './messages.js';
import type { CheckpointListener, CheckpointMove, ProjectionCheckpoint, ProjectionStore } from './projection.js';
import { furthest, lowestPartition, type PartitionCheckpoint, type PartitionPosition } from './partitioned-projection.js';

export interface PartitionPositionSource {
  read(): Promise<readonly PartitionCheckpoint[]>;
  /** Positions announced for a group's partitions; undefined: something changed, read again. */
  subscribe(listener: (group: string, positions: readonly PartitionPosition[] | undefined) => void): Unsubscribe;
}

type CheckpointFeed = Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>;

interface GroupState {
  partitions: number;
  projections: readonly string[];
  readonly positions: Map<number, PartitionPosition>;
}

/**
 * Wraps a feed of checkpoints: a projection some partition group applies gets the group's lowest partition position
 * instead of its (unpartitioned) checkpoint row. Positions only move forward in memory, as the gate requires.
 */
export function partitionedCheckpointFeed(base: CheckpointFeed, source: PartitionPositionSource): CheckpointFeed {
  const groups = new Map<string, GroupState>();
  const groupOf = new Map<string, string>();

  const learn = (group: string, positions: readonly PartitionPosition[]): boolean => {
    const state = groups.get(group);
    if (state === undefined) return false;
    let moved = false;
    for (const position of positions) {
      const known = state.positions.get(position.partition);
      const next = furthest(position, known);
      if (next !== known) {
        state.positions.set(position.partition, next);
        moved = true;
      }
    }
    return moved;
  };

  const learnRows = (rows: readonly PartitionCheckpoint[]): void => {
    for (const row of rows) {
      let state = groups.get(row.group);
      if (state === undefined) {
        state = { partitions: row.partitions, projections: row.projections, positions: new Map() };
        groups.set(row.group, state);
      }
      state.partitions = row.partitions;
      state.projections = row.projections;
      for (const name of row.projections) groupOf.set(name, row.group);
      learn(row.group, [row]);
    }
  };

  const lowestOf = (group: string): PartitionPosition | undefined => {
    const state = groups.get(group);
    return state === undefined ? undefined : lowestPartition([...state.positions.values()], state.partitions);
  };

  const substitute = (checkpoint: ProjectionCheckpoint): ProjectionCheckpoint => {
    const group = groupOf.get(checkpoint.name);
    if (group === undefined) return checkpoint;
    const lowest = lowestOf(group);
    return lowest === undefined ? { ...checkpoint, cursor: { transactionId: 0, position: 0 }, lastEventAt: undefined } : { ...checkpoint, cursor: lowest.cursor, lastEventAt: lowest.lastEventAt };
  };

  return {
    async readCheckpoints(names) {
      const [checkpoints, rows] = await Promise.all([base.readCheckpoints(names), source.read()]);
      learnRows(rows);
      return checkpoints.map(substitute);
    },
    subscribe(listener: CheckpointListener) {
      const fromBase = base.subscribe((moves) => {
        // a partitioned projection's own row does not move with its partitions: only theirs count
        if (moves === undefined) return listener(undefined);
        const unpartitioned = moves.filter((move) => !groupOf.has(move.name));
        if (unpartitioned.length > 0) listener(unpartitioned);
      });
      const fromPartitions = source.subscribe((group, positions) => {
        if (positions === undefined || !groups.has(group)) return listener(undefined);
        const before = lowestOf(group);
        if (!learn(group, positions)) return;
        const after = lowestOf(group);
        if (after === undefined || (before !== undefined && compareCursors(after.cursor, before.cursor) <= 0)) return;
        const moves: CheckpointMove[] = groups.get(group)!.projections.map((name) => ({ name, cursor: after.cursor, lastEventAt: after.lastEventAt }));
        listener(moves);
      });
      return () => {
        fromBase();
        fromPartitions();
      };
    },
  };
}
