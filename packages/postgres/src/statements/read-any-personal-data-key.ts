// Reads one data key, if the store has any: whether it holds sealed data, and whether a master key opens it.
import type { NamedStatement } from '../postgres-client.js';

export const readAnyPersonalDataKey: NamedStatement = {
  name: 'twofold_read_any_personal_data_key',
  text: `SELECT key_id, wrapped_key FROM twofold_personal_data_keys LIMIT 1`,
};
