// Migration 5: idempotency keys, stored in the transaction of the command's events, and the lookup of a command's events by id.
import type { Migration } from './migration.js';

export const idempotencyKeys: Migration = {
  version: 5,
  name: 'idempotency keys and command ids',
  statements: [
    `CREATE TABLE twofold_idempotency_keys (
      -- keys are the client's, so each is scoped (to a route): one key may serve two different commands
      scope text NOT NULL,
      key text NOT NULL,
      -- a retry must repeat the request exactly; another request under the same key is refused
      request_hash text NOT NULL,
      -- the command holding the key: its events carry this id as metadata.commandId
      command_id text NOT NULL,
      correlation_id text NOT NULL,
      stream_id text NOT NULL,
      -- the answer given, recorded just after the commit; until then it is rebuilt from the command's events
      response_status integer,
      response_body jsonb,
      response_position bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`,
    `CREATE INDEX twofold_idempotency_keys_created_at ON twofold_idempotency_keys (created_at)`,
    // a command whose append outcome was lost with its connection is looked up by its id
    `CREATE INDEX twofold_events_command_id ON twofold_events ((metadata->>'commandId'))`,
  ],
};
