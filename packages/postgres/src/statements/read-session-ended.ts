// Whether the server process with this pid has ended (its transaction, if any, is then committed or rolled back for good).
import type { NamedStatement } from '../postgres-client.js';

/** A pid the server reuses for a new session reads as "not ended": the safe side (the outcome stays unknown). */
export const readSessionEnded: NamedStatement = {
  name: 'twofold_read_session_ended',
  text: `SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1::integer) AS ended`,
};
