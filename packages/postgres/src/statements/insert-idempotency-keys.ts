// Stores the idempotency keys of an append's commands, in the append's transaction; a key already held fails it (23505).
import type { IdempotencyRecord } from '@twofold/core';
import type { NamedStatement } from '../postgres-client.js';

/**
 * One JSON array parameter of `{ s, k, h, c, r, t, v, p }`: scope, key, request hash, command id, correlation id, first stream,
 * its version after the command, the command's last position.
 * A live key already held raises a unique violation on the primary key; an expired one is taken over ($2: its age in ms).
 */
export const insertIdempotencyKeys: NamedStatement = {
  name: 'twofold_insert_idempotency_keys',
  text: `INSERT INTO twofold_idempotency_keys (scope, key, request_hash, command_id, correlation_id, stream_id, stream_version, global_position)
SELECT k.s, k.k, k.h, k.c, k.r, k.t, k.v, k.p
FROM jsonb_to_recordset($1::jsonb) AS k(s text, k text, h text, c text, r text, t text, v bigint, p bigint)
ON CONFLICT (scope, key) DO UPDATE
  SET request_hash = excluded.request_hash, command_id = excluded.command_id, correlation_id = excluded.correlation_id,
      stream_id = excluded.stream_id, stream_version = excluded.stream_version, global_position = excluded.global_position, response_status = NULL, response_body = NULL, response_position = NULL, created_at = now()
  WHERE twofold_idempotency_keys.created_at < now() - $2::bigint * interval '1 millisecond'
RETURNING scope, key`,
};

/** Where a command's events landed: its first stream's version after it, and its last position. */
export interface KeyedCommandPlace {
  readonly streamVersion: number;
  readonly position: number;
}

export function insertIdempotencyKeysParams(records: readonly IdempotencyRecord[], places: readonly KeyedCommandPlace[], ttlMs: number): unknown[] {
  const rows = records.map((r, i) => ({ s: r.scope, k: r.key, h: r.requestHash, c: r.commandId, r: r.correlationId, t: r.streamId, v: places[i]!.streamVersion, p: places[i]!.position }));
  return [JSON.stringify(rows), ttlMs];
}
