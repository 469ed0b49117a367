// A checkpoint row as the projection store reads it (with its rebuild and dead-letter count), as core's ProjectionCheckpoint.
import type { ProjectionCheckpoint } from '@twofold/core';
import { toDate } from './event-row.js';
import type { CheckpointRow } from './statements/read-checkpoints.js';

export const toCheckpoint = (row: CheckpointRow): ProjectionCheckpoint => ({
  name: row.name,
  version: Number(row.version),
  cursor: { transactionId: Number(row.transaction_id), position: Number(row.position) },
  lastEventAt: row.last_event_at === null ? undefined : toDate(row.last_event_at),
  updatedAt: toDate(row.updated_at),
  generation: Number(row.generation),
  paused: row.paused,
  retryRequested: row.retry_requested,
  deadLetterCount: Number(row.dead_letters),
  rebuild:
    row.rebuild_generation === null
      ? undefined
      : {
          generation: Number(row.rebuild_generation),
          version: Number(row.rebuild_version),
          cursor: { transactionId: Number(row.rebuild_transaction_id), position: Number(row.rebuild_position) },
          lastEventAt: row.rebuild_last_event_at === null ? undefined : toDate(row.rebuild_last_event_at),
          startedAt: toDate(row.rebuild_started_at!),
        },
});
