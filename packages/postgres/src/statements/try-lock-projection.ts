// Tries to take a projection's lease: a session-level advisory lock, held until unlocked or the connection ends.
import type { NamedStatement } from '../postgres-client.js';

export const tryLockProjection: NamedStatement = {
  name: 'twofold_try_lock_projection',
  text: `SELECT pg_try_advisory_lock(hashtextextended('twofold:projection:' || $1, 0)) AS acquired`,
};
