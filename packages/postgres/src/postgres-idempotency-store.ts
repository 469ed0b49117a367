// The idempotency store on PostgreSQL and PGlite: reads the keys the event store stored with commands' events, and records their answers.
import type { IdempotencyEntry, IdempotencyStore } from '@twofold/core';
import { toDate } from './event-row.js';
import { defaultIdempotencyKeyTtlMs } from './postgres-event-store.js';
import { runStatement, type PostgresClient } from './postgres-client.js';
import { deleteExpiredIdempotencyKeys } from './statements/delete-expired-idempotency-keys.js';
import { readIdempotencyKey, type IdempotencyKeyRow } from './statements/read-idempotency-key.js';
import { recordIdempotencyResponse } from './statements/record-idempotency-response.js';

export interface PostgresIdempotencyStoreOptions {
  /** Default 24 h; keep it equal to the event store's `idempotencyKeyTtlMs`. */
  readonly ttlMs?: number;
}

export function postgresIdempotencyStore(client: PostgresClient, options: PostgresIdempotencyStoreOptions = {}): IdempotencyStore {
  const { ttlMs = defaultIdempotencyKeyTtlMs } = options;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError('ttlMs must be a positive integer');
  return {
    ttlMs,
    async find(scope, key): Promise<IdempotencyEntry | undefined> {
      const row = (await runStatement<IdempotencyKeyRow>(client, readIdempotencyKey, [scope, key, ttlMs])).rows[0];
      if (row === undefined) return undefined;
      return {
        requestHash: row.request_hash,
        commandId: row.command_id,
        correlationId: row.correlation_id,
        streamId: row.stream_id,
        createdAt: toDate(row.created_at),
        position: Number(row.global_position),
        streamVersion: Number(row.stream_version),
        response:
          row.response_status === null || row.response_position === null
            ? undefined
            : { status: Number(row.response_status), body: row.response_body, position: Number(row.response_position) },
      };
    },
    async recordResponse(scope, key, { status, body, position }) {
      await runStatement(client, recordIdempotencyResponse, [scope, key, status, JSON.stringify(body), position]);
    },
    async deleteExpired() {
      return (await runStatement(client, deleteExpiredIdempotencyKeys, [ttlMs])).rowCount ?? 0;
    },
  };
}
