// Reads data keys by id ($1, text[]); a forgotten key is simply absent.
import type { NamedStatement } from '../postgres-client.js';

export const readPersonalDataKeys: NamedStatement = {
  name: 'twofold_read_personal_data_keys',
  text: `SELECT key_id, wrapped_key FROM twofold_personal_data_keys WHERE key_id = ANY($1::text[])`,
};
