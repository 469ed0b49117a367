// The snapshot store on PostgreSQL and PGlite: one row per stream and stream model, replaced by an upsert.
import type { Snapshot, SnapshotStore } from '@twofold/core';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { readSnapshot, type SnapshotRow } from './statements/read-snapshot.js';
import { writeSnapshot, writeSnapshotParams } from './statements/write-snapshot.js';

export function postgresSnapshotStore(client: PostgresClient): SnapshotStore {
  return {
    async readSnapshot(streamId, model): Promise<Snapshot | undefined> {
      const { rows } = await runStatement<SnapshotRow>(client, readSnapshot, [streamId, model]);
      const row = rows[0];
      // bigint columns come as text from pg and as numbers from PGlite
      return row === undefined
        ? undefined
        : {
            streamId,
            model,
            modelVersion: Number(row.model_version),
            streamVersion: Number(row.stream_version),
            position: Number(row.global_position),
            transactionId: Number(row.transaction_id),
            state: row.state,
          };
    },

    async writeSnapshot(snapshot) {
      await runStatement(client, writeSnapshot, writeSnapshotParams(snapshot));
    },
  };
}
