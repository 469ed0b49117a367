// Takes the data keys of subjects, inserting the ones offered for subjects without one: $1 is a JSON array of
// { subject, key_id, wrapped_key }. A key another transaction inserts meanwhile is not returned (the statement's
// snapshot predates it): the caller asks again for the subjects missing.
import type { NamedStatement } from '../postgres-client.js';

export const takePersonalDataKeys: NamedStatement = {
  name: 'twofold_take_personal_data_keys',
  text: `
    WITH offered AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS o(subject text, key_id text, wrapped_key text)),
    inserted AS (
      INSERT INTO twofold_personal_data_keys (key_id, subject, wrapped_key)
      SELECT key_id, subject, wrapped_key FROM offered
      ON CONFLICT (subject) DO NOTHING
      RETURNING key_id, subject, wrapped_key)
    SELECT key_id, subject, wrapped_key FROM inserted
    UNION ALL
    SELECT k.key_id, k.subject, k.wrapped_key FROM twofold_personal_data_keys k JOIN offered o ON o.subject = k.subject
    WHERE NOT EXISTS (SELECT 1 FROM inserted i WHERE i.subject = k.subject)`,
};
