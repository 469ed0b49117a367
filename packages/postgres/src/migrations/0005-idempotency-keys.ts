// Migration 5: idempotency keys, stored in the transaction of the command's events.
import type { Migration } from './migration.js';

export const idempotencyKeys: Migration = {
  version: 5,
  name: 'idempotency keys',
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
      -- the command's first stream, its version after the command, and the command's consistency token
      stream_id text NOT NULL,
      stream_version bigint NOT NULL,
      global_position bigint NOT NULL,
      -- the answer given, recorded just after the commit; until then it is rebuilt from the columns above
      response_status integer,
      response_body jsonb,
      response_position bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, key)
    )`,
    `CREATE INDEX twofold_idempotency_keys_created_at ON twofold_idempotency_keys (created_at)`,
  ],
};
