// Migration 8: the event store's identity, a random id made once, so what is derived from the store (a Redis namespace) can tell two stores apart.
import type { Migration } from './migration.js';

export const storeIdentity: Migration = {
  version: 8,
  name: 'store identity',
  statements: [
    `CREATE TABLE twofold_store_identity (
      -- one row, ever: the check keeps a second one out
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      store_id uuid NOT NULL DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
    `INSERT INTO twofold_store_identity DEFAULT VALUES`,
  ],
};
