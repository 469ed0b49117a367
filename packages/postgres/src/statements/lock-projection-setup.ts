// Serializes the setup of one projection across processes, for the rest of the transaction.
import type { NamedStatement } from '../postgres-client.js';

export const lockProjectionSetup: NamedStatement = {
  name: 'twofold_lock_projection_setup',
  text: `SELECT pg_advisory_xact_lock(hashtextextended('twofold:setup:' || $1, 0))`,
};
