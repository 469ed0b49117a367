// Parks events as dead letters, once per projection and event, in the transaction that moves the checkpoint.
import type { NamedStatement } from '../postgres-client.js';

/** $1 projection, $2 a JSON array of { eventId, streamId, transactionId, globalPosition, event, error }. */
export const insertDeadLetters: NamedStatement = {
  name: 'twofold_insert_dead_letters',
  text: `INSERT INTO twofold_dead_letters (projection, event_id, stream_id, transaction_id, global_position, event, error)
SELECT $1, l."eventId", l."streamId", l."transactionId", l."globalPosition", l.event, l.error
FROM jsonb_to_recordset($2::jsonb) AS l("eventId" uuid, "streamId" text, "transactionId" bigint, "globalPosition" bigint, event jsonb, error text)
ON CONFLICT ON CONSTRAINT twofold_dead_letters_once DO NOTHING`,
};
