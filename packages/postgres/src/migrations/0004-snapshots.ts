// Migration 4: stream snapshots, the newest folded state of a stream per stream model.
import type { Migration } from './migration.js';

export const snapshots: Migration = {
  version: 4,
  name: 'stream snapshots',
  statements: [
    `CREATE TABLE twofold_snapshots (
      stream_id text NOT NULL,
      -- the stream model's name and its snapshot version: a row of another version is ignored, then replaced
      model text NOT NULL,
      model_version integer NOT NULL,
      -- the state reflects every event of the stream up to this version, the last of them at this position
      stream_version bigint NOT NULL,
      global_position bigint NOT NULL,
      transaction_id bigint NOT NULL,
      state jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stream_id, model)
    )`,
  ],
};
