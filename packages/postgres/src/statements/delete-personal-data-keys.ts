// Deletes a subject's data key ($1): what it sealed can never be opened again.
import type { NamedStatement } from '../postgres-client.js';

export const deletePersonalDataKeys: NamedStatement = {
  name: 'twofold_delete_personal_data_keys',
  text: `DELETE FROM twofold_personal_data_keys WHERE subject = $1 RETURNING key_id`,
};
