// Stores a stream's snapshot for a stream model unless a newer one of the same model version is there.
import type { Snapshot } from '@twofold/core';
import type { NamedStatement } from '../postgres-client.js';

/**
 * An upsert: a stored row of the same model version and a stream version at or above the new one is
 * kept (the WHERE leaves it alone); one of another model version is always replaced, even by an older
 * stream version, since its state cannot be used. Concurrent writers serialise on the primary key.
 */
export const writeSnapshot: NamedStatement = {
  name: 'twofold_write_snapshot',
  text: `INSERT INTO twofold_snapshots AS s (stream_id, model, model_version, stream_version, global_position, transaction_id, state)
VALUES ($1::text, $2::text, $3::integer, $4::bigint, $5::bigint, $6::bigint, $7::jsonb)
ON CONFLICT (stream_id, model) DO UPDATE
SET model_version = excluded.model_version,
    stream_version = excluded.stream_version,
    global_position = excluded.global_position,
    transaction_id = excluded.transaction_id,
    state = excluded.state,
    recorded_at = now()
WHERE s.model_version <> excluded.model_version OR s.stream_version < excluded.stream_version`,
};

export function writeSnapshotParams(snapshot: Snapshot): unknown[] {
  return [
    snapshot.streamId,
    snapshot.model,
    snapshot.modelVersion,
    snapshot.streamVersion,
    snapshot.position,
    snapshot.transactionId,
    JSON.stringify(snapshot.state ?? null),
  ];
}
