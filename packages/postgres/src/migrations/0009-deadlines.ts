// Migration 9: process managers' states and deadlines, beside the log, written in the transaction that moves their checkpoint.
import type { Migration } from './migration.js';

export const deadlines: Migration = {
  version: 9,
  name: 'process managers and deadlines',
  statements: [
    `CREATE TABLE twofold_process_managers (
      name text PRIMARY KEY,
      -- the last event it reacted to (commit order): a replay up to it (a rebuild of the states) is muted
      reacted_through_transaction bigint NOT NULL DEFAULT 0,
      reacted_through_position bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE twofold_process_states (
      process text NOT NULL,
      instance text NOT NULL,
      state jsonb NOT NULL,
      last_position bigint NOT NULL,
      PRIMARY KEY (process, instance)
    )`,
    `CREATE TABLE twofold_deadlines (
      -- <process>/<instance>/<name>: also the fired command's id and idempotency key
      id text PRIMARY KEY,
      process text NOT NULL,
      instance text NOT NULL,
      name text NOT NULL,
      due_at timestamptz NOT NULL,
      -- { type, data } of the command it issues
      command jsonb NOT NULL,
      causation_id text NOT NULL,
      correlation_id text NOT NULL,
      -- the global position of the event that scheduled it (or moved it last)
      scheduled_by bigint NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'fired', 'rejected', 'cancelled')),
      -- the dispatcher holding it, until when (server clock); another may claim it after that
      claimed_by text,
      claimed_until timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      finished_at timestamptz,
      detail text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX twofold_deadlines_pending ON twofold_deadlines (due_at) WHERE status = 'pending'`,
  ],
};
