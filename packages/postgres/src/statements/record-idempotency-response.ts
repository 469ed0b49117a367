// Records the answer given to the command holding an idempotency key, so retries replay it exactly.
import type { NamedStatement } from '../postgres-client.js';

export const recordIdempotencyResponse: NamedStatement = {
  name: 'twofold_record_idempotency_response',
  text: `UPDATE twofold_idempotency_keys SET response_status = $3, response_body = $4::jsonb, response_position = $5
WHERE scope = $1 AND key = $2`,
};
