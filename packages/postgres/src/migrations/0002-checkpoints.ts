// Migration 2: projection checkpoints, one row per projection, moved in the transaction that updates its read model.
import type { Migration } from './migration.js';

export const checkpoints: Migration = {
  version: 2,
  name: 'projection checkpoints',
  statements: [
    `CREATE TABLE twofold_checkpoints (
      name text PRIMARY KEY,
      version integer NOT NULL,
      -- the cursor of the last event applied or passed over: (transaction id, global position)
      transaction_id bigint NOT NULL DEFAULT 0,
      position bigint NOT NULL DEFAULT 0,
      last_event_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  ],
};
