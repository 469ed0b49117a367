// An append statement in two forms: as it is, or also announcing itself with NOTIFY from the same statement.
import { announceAppendSql } from '../change-payloads.js';
import type { NamedStatement } from '../postgres-client.js';

export interface AppendStatement {
  /** For a database no other process shares (PGlite): nobody could hear a NOTIFY. */
  readonly quiet: NamedStatement;
  /** For a server: the append's NOTIFY, delivered when it commits, costs no round trip or transaction of its own. */
  readonly announcing: NamedStatement;
}

/** `insert` is an INSERT INTO twofold_events without RETURNING; both forms return the same columns. */
export function appendStatement(name: string, insert: string): AppendStatement {
  return {
    quiet: { name, text: `${insert}\nRETURNING global_position, stream_id, stream_version, transaction_id::text AS xid, recorded_at` },
    announcing: {
      name: `${name}_announcing`,
      text: `WITH appended AS (
${insert}
RETURNING global_position, stream_id, stream_version, transaction_id, recorded_at
), announced AS (${announceAppendSql('appended')})
SELECT a.global_position, a.stream_id, a.stream_version, a.transaction_id::text AS xid, a.recorded_at FROM appended a, announced`,
    },
  };
}
