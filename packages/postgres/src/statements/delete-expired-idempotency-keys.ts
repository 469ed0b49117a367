// Deletes idempotency keys older than $1 ms.
import type { NamedStatement } from '../postgres-client.js';

export const deleteExpiredIdempotencyKeys: NamedStatement = {
  name: 'twofold_delete_expired_idempotency_keys',
  text: `DELETE FROM twofold_idempotency_keys WHERE created_at < now() - $1::bigint * interval '1 millisecond'`,
};
