// Migration 3: what operators need of projections: pause, retry requests, rebuild generations, dead letters.
import type { Migration } from './migration.js';

export const projectionAdministration: Migration = {
  version: 3,
  name: 'projection administration',
  statements: [
    `ALTER TABLE twofold_checkpoints
      ADD COLUMN generation integer NOT NULL DEFAULT 1,
      ADD COLUMN paused boolean NOT NULL DEFAULT false,
      ADD COLUMN retry_requested boolean NOT NULL DEFAULT false,
      -- the tables the projection declared: built per generation in a schema of their own, read through views
      ADD COLUMN tables text[]`,
    `CREATE TABLE twofold_rebuilds (
      name text PRIMARY KEY REFERENCES twofold_checkpoints (name) ON DELETE CASCADE,
      generation integer NOT NULL,
      version integer NOT NULL,
      transaction_id bigint NOT NULL DEFAULT 0,
      position bigint NOT NULL DEFAULT 0,
      last_event_at timestamptz,
      started_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE twofold_dead_letters (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      projection text NOT NULL,
      event_id uuid NOT NULL,
      stream_id text NOT NULL,
      transaction_id bigint NOT NULL,
      global_position bigint NOT NULL,
      -- the whole stored event: the read store may be another database than the event store
      event jsonb NOT NULL,
      error text NOT NULL,
      parked_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT twofold_dead_letters_once UNIQUE (projection, event_id)
    )`,
    `CREATE INDEX twofold_dead_letters_order ON twofold_dead_letters (projection, transaction_id, global_position)`,
  ],
};
