// Migration 10: the personal data keys, one per subject (a customer), each wrapped by the master key; deleting a row forgets what it sealed.
import type { Migration } from './migration.js';

export const personalDataKeys: Migration = {
  version: 10,
  name: 'personal data keys',
  statements: [
    `CREATE TABLE twofold_personal_data_keys (
      key_id text PRIMARY KEY,
      -- one live key per subject: a subject forgotten and seen again gets a new key, so what was forgotten stays so
      subject text NOT NULL UNIQUE,
      -- base64 of iv (12 bytes) | tag (16) | the data key (32) sealed by the master key, the key id as associated data
      wrapped_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`,
  ],
};
