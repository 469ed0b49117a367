// Correlation ids: taken from the caller's `X-Correlation-Id` when well formed, else generated.
import { randomUUID } from 'node:crypto';

export const correlationIdHeader = 'x-correlation-id';

// a UUID or a short opaque token; anything else (too long, odd characters, a list) is replaced
const wellFormed = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The caller's correlation id when it is a UUID or a short token of `[A-Za-z0-9._:-]`, else a new UUID. */
export function correlationIdFrom(header: string | readonly string[] | undefined): string {
  return typeof header === 'string' && wellFormed.test(header) ? header : randomUUID();
}
