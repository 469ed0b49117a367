// Gives a projection's lease back: releases the session-level advisory lock.
import type { NamedStatement } from '../postgres-client.js';

export const unlockProjection: NamedStatement = {
  name: 'twofold_unlock_projection',
  text: `SELECT pg_advisory_unlock(hashtextextended('twofold:projection:' || $1, 0)) AS released`,
};
