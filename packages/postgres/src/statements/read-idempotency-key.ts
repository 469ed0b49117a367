// Reads the entry of one live idempotency key ($3: the age in ms beyond which a key is forgotten).
import type { NamedStatement } from '../postgres-client.js';

export const readIdempotencyKey: NamedStatement = {
  name: 'twofold_read_idempotency_key',
  text: `SELECT request_hash, command_id, correlation_id, stream_id, stream_version::text AS stream_version, global_position::text AS global_position,
       response_status, response_body, response_position::text AS response_position, created_at
FROM twofold_idempotency_keys
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
  readonly stream_version: string;
  readonly global_position: string;
}
