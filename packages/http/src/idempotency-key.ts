// The Idempotency-Key request header: its validation, the scope a key lives in, and the hash a retry must repeat.
import { createHash } from 'node:crypto';
import { InvalidCommand } from '@twofold/core';

export const idempotencyKeyHeader = 'idempotency-key';

// printable ASCII, as Stripe and the IETF draft allow: opaque to the server, safe to log and store
const wellFormed = /^[\x20-\x7e]{1,200}$/;

/** The header's key, undefined when absent; InvalidCommand naming the header when malformed (or sent twice). */
export function idempotencyKeyOf(header: string | readonly string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !wellFormed.test(header)) {
    throw new InvalidCommand('Idempotency-Key must be one header of 1 to 200 printable ASCII characters', { header: 'Idempotency-Key' });
  }
  return header;
}

/** JSON with object keys sorted, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What a retry must repeat: the route's parameters and body (key order and white space aside). */
export function requestHashOf(params: unknown, body: unknown): string {
  return createHash('sha256').update(canonicalJson({ params, body })).digest('base64url');
}
