// Reads the entry of one live idempotency key ($3: the age in ms beyond which a key is forgotten) and where its command's events are.
import type { NamedStatement } from '../postgres-client.js';

export const readIdempotencyKey: NamedStatement = {
  name: 'twofold_read_idempotency_key',
  text: `SELECT request_hash, command_id, correlation_id, stream_id, response_status, response_body, response_position::text AS response_position, created_at,
       (SELECT max(e.global_position) FROM twofold_events e WHERE e.metadata->>'commandId' = k.command_id)::text AS command_position,
       (SELECT max(e.stream_version) FROM twofold_events e WHERE e.metadata->>'commandId' = k.command_id AND e.stream_id = k.stream_id)::text AS command_stream_version
FROM twofold_idempotency_keys k
WHERE scope = $1 AND key = $2 AND created_at >= now() - $3::bigint * interval '1 millisecond'`,
};

export interface IdempotencyKeyRow {
  readonly request_hash: string;
  readonly command_id: string;
  readonly correlation_id: string;
  readonly stream_id: string;
  readonly response_status: number | null;
  readonly response_body: unknown;
  readonly response_position: string | null;
  readonly created_at: Date | string;
  /** Where the command's events are (it committed with the key, so they exist). */
  readonly command_position: string | null;
  readonly command_stream_version: string | null;
}
