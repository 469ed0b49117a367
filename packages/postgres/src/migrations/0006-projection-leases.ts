// Migration 6: projection leases that expire, one row per projection, with a fencing token that grows with each grant.
import type { Migration } from './migration.js';

export const projectionLeases: Migration = {
  version: 6,
  name: 'projection leases',
  statements: [
    `CREATE TABLE twofold_leases (
      name text PRIMARY KEY,
      -- who was granted it last (host, process, instance): named in logs and by operators
      holder text NOT NULL,
      -- grows with every grant: a checkpoint moves only for the current grant, so a holder taken over is refused
      token bigint NOT NULL,
      -- on the server's clock; a lease past it is free to take
      expires_at timestamptz NOT NULL,
      -- the backend the holder renews through: once it is gone (the holder's process died) the lease is free at once
      holder_pid integer
    )`,
  ],
};
