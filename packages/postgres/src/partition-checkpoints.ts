// The partition ledger on PostgreSQL: partitions leased to workers with fences, and each partition's checkpoint moved
// in the same transaction as the read models it describes (so a replay is harmless and a fenced-out worker commits nothing).
import {
  CheckpointMoved,
  type LogCursor,
  type PartitionCheckpoint,
  type PartitionLedger,
  type PartitionPosition,
  type PartitionPositionSource,
  type ProjectionDefinition,
  type StoredEvent,
  type Unsubscribe,
} from '@twofold/core';
import { toDate } from './event-row.js';
import { generationSchema } from './postgres-projection-store.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import type { SqlSession } from './sql-client.js';
import { acquirePartition } from './statements/acquire-partition.js';
import { beatPartitionWorker } from './statements/beat-partition-worker.js';
import { movePartitionCheckpoint } from './statements/move-partition-checkpoint.js';
import { preparePartitionGroup } from './statements/prepare-partition-group.js';
import { readPartitionCheckpoints, type PartitionCheckpointRow } from './statements/read-partition-checkpoints.js';
import { recordPartitionPositions } from './statements/record-partition-positions.js';
import { releasePartition } from './statements/release-partition.js';
import { renewPartitions } from './statements/renew-partitions.js';
import { useGenerationSchemas } from './statements/use-generation-schema.js';

/** Where partitions' new positions are announced: `{"g":group,"p":[[partition,transactionId,position,eventAtMs],…]}`. */
export const partitionsChannel = 'twofold_partitions';

const cursorOfRow = (transactionId: string | number, position: string | number): LogCursor => ({ transactionId: Number(transactionId), position: Number(position) });
const dateOrUndefined = (value: Date | string | null): Date | undefined => (value === null ? undefined : toDate(value));

function toPartitionCheckpoint(row: PartitionCheckpointRow): PartitionCheckpoint {
  const applied = cursorOfRow(row.transaction_id, row.position);
  const idle = cursorOfRow(row.idle_transaction_id, row.idle_position);
  const idleFurther = idle.transactionId > applied.transactionId || (idle.transactionId === applied.transactionId && idle.position > applied.position);
  return {
    group: row.group_name,
    partition: Number(row.partition),
    partitions: Number(row.partitions),
    projections: row.projections,
    owner: row.lease_expires_at === null ? undefined : (row.owner ?? undefined),
    fence: Number(row.fence),
    sequence: Number(row.sequence),
    appliedCursor: applied,
    cursor: idleFurther ? idle : applied,
    lastEventAt: dateOrUndefined(idleFurther ? row.idle_event_at : row.last_event_at),
    leaseExpiresAt: dateOrUndefined(row.lease_expires_at),
  };
}

const encodePositions = (group: string, positions: readonly PartitionPosition[]): string =>
  JSON.stringify({ g: group, p: positions.map((p) => [p.partition, p.cursor.transactionId, p.cursor.position, p.lastEventAt?.getTime() ?? null]) });

function decodePositions(line: string): { group: string; positions: PartitionPosition[] } | undefined {
  try {
    const { g, p } = JSON.parse(line) as { g: string; p: [number, number, number, number | null][] };
    return { group: g, positions: p.map(([partition, transactionId, position, at]) => ({ partition, cursor: { transactionId, position }, lastEventAt: at === null ? undefined : new Date(at) })) };
  } catch {
    return undefined;
  }
}

/** Reads partition rows and hears their announcements: what a consistency gate needs of partitioned projections. */
export function postgresPartitionPositions(client: PostgresClient): PartitionPositionSource {
  return {
    async read() {
      const { rows } = await runStatement<PartitionCheckpointRow>(client, readPartitionCheckpoints, [null]);
      return rows.map(toPartitionCheckpoint);
    },
    subscribe(listener): Unsubscribe {
      return client.listen(partitionsChannel, (payload) => {
        if (payload === undefined) return listener('', undefined);
        for (const line of payload.split('\n')) {
          const decoded = decodePositions(line);
          if (decoded === undefined) listener('', undefined);
          else listener(decoded.group, decoded.positions);
        }
      });
    },
  };
}

export interface PostgresPartitionLedgerOptions {
  /** The projections of every group this ledger commits for, by name; their tables were prepared by the projection store. */
  readonly projections: readonly ProjectionDefinition<SqlSession>[];
}

/** Applies each projection to the events it handles, with its live generation's tables first on the search path. */
async function applyAll(session: SqlSession, projections: readonly ProjectionDefinition<SqlSession>[], events: readonly StoredEvent[]): Promise<void> {
  const { rows } = await session.query<{ name: string; generation: number; tables: string[] | null; reader: string }>(
    'SELECT name, generation, tables, current_schema() AS reader FROM twofold_checkpoints WHERE name = ANY($1::text[])',
    [projections.map((p) => p.name)],
  );
  const live = new Map(rows.map((row) => [row.name, row]));
  for (const projection of projections) {
    const handled = new Set(projection.handles);
    const mine = events.filter((event) => handled.has(event.type));
    if (mine.length === 0) continue;
    const row = live.get(projection.name);
    if (row === undefined) throw new Error(`projection ${projection.name} has no checkpoint row: prepare it first`);
    if (row.tables !== null) await session.query(useGenerationSchemas([generationSchema(projection.name, row.generation)], row.reader));
    await projection.apply(mine, session);
  }
  if (rows.length > 0) await session.query(useGenerationSchemas([], rows[0]!.reader));
}

export function postgresPartitionLedger(client: PostgresClient, options: PostgresPartitionLedgerOptions): PartitionLedger & PartitionPositionSource {
  const byName = new Map(options.projections.map((p) => [p.name, p]));
  const groups = new Map<string, readonly ProjectionDefinition<SqlSession>[]>();
  const positions = postgresPartitionPositions(client);
  const announce = (group: string, moved: readonly PartitionPosition[]): void => {
    if (moved.length > 0) client.notify(partitionsChannel, encodePositions(group, moved));
  };

  return {
    async prepareGroup(group) {
      const projections = group.projections.map((name) => {
        const projection = byName.get(name);
        if (projection === undefined) throw new RangeError(`group ${group.name} names projection ${name}, which this ledger was not given`);
        return projection;
      });
      const { rows } = await runStatement<{ partitions: number }>(client, preparePartitionGroup, [group.name, group.partitions, [...group.projections]]);
      const other = rows.find((row) => Number(row.partitions) !== group.partitions);
      if (other !== undefined) throw new Error(`partition group ${group.name} was created with ${other.partitions} partitions, not ${group.partitions}`);
      groups.set(group.name, projections);
    },
    async heartbeat(group, worker, ttlMs) {
      const { rows } = await runStatement<{ worker: string }>(client, beatPartitionWorker, [group, worker, ttlMs]);
      return rows.map((row) => row.worker).sort();
    },
    async acquire(group, partition, worker, ttlMs) {
      const { rows } = await runStatement<{ fence: string; sequence: string; transaction_id: string; position: string }>(client, acquirePartition, [group, partition, worker, ttlMs]);
      const row = rows[0];
      return row === undefined ? undefined : { partition, fence: Number(row.fence), sequence: Number(row.sequence), cursor: cursorOfRow(row.transaction_id, row.position) };
    },
    async renew(group, worker, claims, ttlMs) {
      if (claims.length === 0) return [];
      const { rows } = await runStatement<{ partition: number }>(client, renewPartitions, [group, worker, claims.map((c) => c.partition), claims.map((c) => c.fence), ttlMs]);
      return rows.map((row) => Number(row.partition));
    },
    async release(group, worker, claim) {
      await runStatement(client, releasePartition, [group, claim.partition, claim.fence, worker]);
    },
    async commit(group, batch) {
      const projections = groups.get(group);
      if (projections === undefined) throw new Error(`partition group ${group} was not prepared`);
      const { claim } = batch;
      await client.transaction(async (session) => {
        const moved = await runStatement(session, movePartitionCheckpoint, [
          group, claim.partition, claim.fence, claim.sequence, batch.toSequence, batch.toCursor.transactionId, batch.toCursor.position, batch.lastEventAt,
        ]);
        if (moved.rowCount !== 1) throw new CheckpointMoved(`${group}#${claim.partition}`);
        await applyAll(session, projections, batch.events);
      });
      announce(group, [{ partition: claim.partition, cursor: batch.toCursor, lastEventAt: batch.lastEventAt }]);
    },
    async recordPositions(group, recorded) {
      if (recorded.length === 0) return;
      await runStatement(client, recordPartitionPositions, [
        group,
        recorded.map((p) => p.partition),
        recorded.map((p) => p.fence),
        recorded.map((p) => p.cursor.transactionId),
        recorded.map((p) => p.cursor.position),
        recorded.map((p) => p.lastEventAt?.toISOString() ?? null),
      ]);
    },
    announce,
    async read(group?: string) {
      const { rows } = await runStatement<PartitionCheckpointRow>(client, readPartitionCheckpoints, [group ?? null]);
      return rows.map(toPartitionCheckpoint);
    },
    subscribe: positions.subscribe,
  };
}
