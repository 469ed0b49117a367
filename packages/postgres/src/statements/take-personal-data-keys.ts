// Takes the data keys of subjects, inserting the ones offered for subjects without one: $1 is a JSON array of
// { subject, key_id, wrapped_key }. A key another transaction inserts meanwhile is not returned (the statement's
// snapshot predates it): the caller asks again for the subjects missing.
// The statement commits without waiting for its WAL to reach disk (synchronous_commit off, for this transaction
// only): WAL is flushed in order, so the append that stores the first value a new key sealed, committing after it,
// flushes the key too. A crash before that loses only a key nothing was sealed with.
import type { NamedStatement } from '../postgres-client.js';

export const takePersonalDataKeys: NamedStatement = {
  name: 'twofold_take_personal_data_keys',
  text: `
    WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true) AS setting),
    offered AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS o(subject text, key_id text, wrapped_key text)),
    inserted AS (
      INSERT INTO twofold_personal_data_keys (key_id, subject, wrapped_key)
      SELECT key_id, subject, wrapped_key FROM offered CROSS JOIN no_wait
      ON CONFLICT (subject) DO NOTHING
      RETURNING key_id, subject, wrapped_key)
    SELECT key_id, subject, wrapped_key FROM inserted
    UNION ALL
    SELECT k.key_id, k.subject, k.wrapped_key FROM twofold_personal_data_keys k JOIN offered o ON o.subject = k.subject
    WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.subject = k.subject)`,
};
