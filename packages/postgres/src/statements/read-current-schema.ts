// The schema unqualified names resolve to in this session: where the views readers use live.
import type { NamedStatement } from '../postgres-client.js';

export const readCurrentSchema: NamedStatement = {
  name: 'twofold_read_current_schema',
  text: `SELECT current_schema() AS schema`,
};
