// Migration 11: partitioned projectors: one row per partition of a group of projections, holding its lease (owner,
// fence, expiry) and its checkpoint, so a batch moves the checkpoint only under the current fence; and the workers alive.
import type { Migration } from './migration.js';

export const partitionCheckpoints: Migration = {
  version: 11,
  name: 'partition checkpoints',
  statements: [
    `CREATE TABLE twofold_partition_checkpoints (
      group_name text NOT NULL,
      partition integer NOT NULL,
      partitions integer NOT NULL,
      projections text[] NOT NULL,
      owner text,
      -- grows with every grant: a batch commits only under the fence it was granted
      fence bigint NOT NULL DEFAULT 0,
      -- on the server's clock; a lease past it is free to take, and its holder's batches are refused
      lease_expires_at timestamptz,
      -- the carrier's sequence of the last message applied, and that event's place in the log
      sequence bigint NOT NULL DEFAULT 0,
      transaction_id bigint NOT NULL DEFAULT 0,
      position bigint NOT NULL DEFAULT 0,
      last_event_at timestamptz,
      -- an idle partition: the carrier's tail it had nothing before (a gate counts the further of the two)
      idle_transaction_id bigint NOT NULL DEFAULT 0,
      idle_position bigint NOT NULL DEFAULT 0,
      idle_event_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (group_name, partition)
    )`,
    `CREATE TABLE twofold_partition_workers (
      group_name text NOT NULL,
      worker text NOT NULL,
      alive_until timestamptz NOT NULL,
      PRIMARY KEY (group_name, worker)
    )`,
  ],
};
