// Migration 1: the event log, in commit order by (transaction id, global position).
import type { Migration } from './migration.js';

export const eventLog: Migration = {
  version: 1,
  name: 'event log',
  statements: [
    `CREATE TABLE twofold_events (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- the writing transaction; readers read below the oldest one still running (DESIGN 5.1)
      transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      stream_id text NOT NULL,
      stream_version bigint NOT NULL,
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT twofold_events_event_id_key UNIQUE (event_id),
      -- optimistic concurrency: the only thing that stops two writers taking the same version
      CONSTRAINT twofold_events_stream_version_key UNIQUE (stream_id, stream_version),
      CONSTRAINT twofold_events_stream_version_check CHECK (stream_version > 0)
    )`,
    `CREATE INDEX twofold_events_commit_order ON twofold_events (transaction_id, global_position)`,
  ],
};
