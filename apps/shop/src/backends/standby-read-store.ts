// Query processes may read the read models from a PostgreSQL streaming replica (a hot standby): checkpoints replicate
// with the rows they describe, so a token the gate finds reached there is reflected there. A standby takes no writes
// and no LISTEN (NOTIFY does not replicate): nothing is migrated or prepared on it, and gates poll it.
import type { ProjectionStore } from '@twofold/core';
import type { PostgresClient } from '@twofold/postgres';

export async function isStandby(client: PostgresClient): Promise<boolean> {
  const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  return rows[0]?.standby === true;
}

/** The feed without its notifications: a gate over it reads the checkpoints again while anyone waits (every 50 ms). */
export const polledOnly = <Feed extends Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'>>(feed: Feed): Pick<ProjectionStore<unknown>, 'readCheckpoints' | 'subscribe'> => ({
  readCheckpoints: (names) => feed.readCheckpoints(names),
  subscribe: () => () => undefined,
});
