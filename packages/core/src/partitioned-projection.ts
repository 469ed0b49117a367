// Partitioned projections: the port of the ledger that leases partitions to workers (with fencing) and keeps each
// partition's checkpoint, which partitions a worker should run, and how partition checkpoints add up to one per projection.
import { compareCursors, type LogCursor, type StoredEvent } from './messages.js';

/** Projections run together, partition by partition: one lease, one checkpoint and one transaction per partition. */
export interface PartitionGroup {
  /** Names the group's rows (e.g. `shop`). */
  readonly name: string;
  readonly partitions: number;
  /** The projections the group applies (their names, as the consistency gate and readers know them). */
  readonly projections: readonly string[];
}

/** A partition granted to a worker: the fence its commits must carry, and where its checkpoint stands. */
export interface PartitionClaim {
  readonly partition: number;
  readonly fence: number;
  /** The carrier's sequence of the last message applied (0: none yet). */
  readonly sequence: number;
  readonly cursor: LogCursor;
}

/** How far a partition is applied: its last message, or (idle) the carrier's tail it has nothing before. */
export interface PartitionPosition {
  readonly partition: number;
  readonly cursor: LogCursor;
  readonly lastEventAt: Date | undefined;
}

/** A partition's row, as operators and gates read it. */
export interface PartitionCheckpoint extends PartitionPosition {
  readonly group: string;
  readonly partitions: number;
  readonly projections: readonly string[];
  readonly owner: string | undefined;
  readonly fence: number;
  readonly sequence: number;
  /** The checkpoint proper (the last message applied); `cursor` may be further: the tail it was idle at. */
  readonly appliedCursor: LogCursor;
  readonly leaseExpiresAt: Date | undefined;
}

export interface PartitionBatch {
  readonly claim: PartitionClaim;
  /** The carrier's sequence of the batch's last message. */
  readonly toSequence: number;
  readonly toCursor: LogCursor;
  readonly lastEventAt: Date;
  /** In the partition's order; every event, handled or not (each projection takes the types it handles). */
  readonly events: readonly StoredEvent[];
}

/** The PostgreSQL side of partitioned projectors. Every grant bumps the fence; commits and renewals name it. */
export interface PartitionLedger {
  /** Creates the group's partition rows if missing, at `start` (the projections' checkpoint when they ran unpartitioned). */
  prepareGroup(group: PartitionGroup): Promise<void>;
  /** Says this worker is alive for `ttlMs`; returns the workers alive now (this one included), sorted. */
  heartbeat(group: string, worker: string, ttlMs: number): Promise<readonly string[]>;
  /** Takes the partition when no live lease holds it: a new fence, or undefined. */
  acquire(group: string, partition: number, worker: string, ttlMs: number): Promise<PartitionClaim | undefined>;
  /** Extends the leases still held under their fences; returns the partitions renewed. */
  renew(group: string, worker: string, claims: readonly Pick<PartitionClaim, 'partition' | 'fence'>[], ttlMs: number): Promise<readonly number[]>;
  release(group: string, worker: string, claim: Pick<PartitionClaim, 'partition' | 'fence'>): Promise<void>;
  /**
   * In one transaction: moves the checkpoint from the claim's sequence to the batch's, only while the claim's fence
   * is current and its lease unexpired (else throws CheckpointMoved, nothing applied), and applies the events.
   */
  commit(group: string, batch: PartitionBatch): Promise<void>;
  /** Records idle partitions' positions (fenced; no read model changes) and announces them. */
  recordPositions(group: string, positions: readonly (PartitionPosition & { readonly fence: number })[]): Promise<void>;
  /** Tells gates in every process where partitions stand now, without writing (they were committed or checked). */
  announce(group: string, positions: readonly PartitionPosition[]): void;
  read(group?: string): Promise<readonly PartitionCheckpoint[]>;
}

/**
 * The partitions `worker` should run: with the live workers sorted, partition p goes to workers[p mod n]. Every worker
 * computes the same answer from the same list, so a new worker takes about 1/n of them and a lost one's are shared.
 */
export function assignedPartitions(liveWorkers: readonly string[], worker: string, partitions: number): number[] {
  const sorted = [...new Set(liveWorkers)].sort();
  const index = sorted.indexOf(worker);
  if (index < 0) return [];
  const mine: number[] = [];
  for (let partition = index; partition < partitions; partition += sorted.length) mine.push(partition);
  return mine;
}

/** The further of two positions of one partition. */
export const furthest = <P extends { readonly cursor: LogCursor }>(a: P, b: P | undefined): P =>
  b !== undefined && compareCursors(b.cursor, a.cursor) > 0 ? b : a;

/**
 * A projection's checkpoint when partitioned: the lowest of its partitions' positions (every event up to it is applied
 * in every partition), or undefined while some partition has no row.
 */
export function lowestPartition(positions: readonly PartitionPosition[], partitions: number): PartitionPosition | undefined {
  if (new Set(positions.map((p) => p.partition)).size < partitions) return undefined;
  let lowest: PartitionPosition | undefined;
  for (const position of positions) if (lowest === undefined || compareCursors(position.cursor, lowest.cursor) < 0) lowest = position;
  return lowest;
}
