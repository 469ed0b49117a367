// The headers every query answer carries: how fresh the read models it used are.
import { Type } from '@sinclair/typebox';
import type { Freshness } from '@twofold/core';
import type { FastifyReply } from 'fastify';

/** OpenAPI descriptions of the freshness headers, for a response schema's `headers`. */
export const freshnessHeaderDocs = {
  'X-Projection-Position': { type: 'integer', description: 'the lowest checkpoint among the read models used' },
  'X-As-Of': { type: 'string', format: 'date-time', description: 'the answer is complete up to this time' },
  'X-Consistency': { type: 'string', enum: ['caught-up', 'stale'], description: 'caught-up: X-Min-Position (or, without it, the head of the log) is reflected' },
  'X-Projection-Delayed': { type: 'string', enum: ['true'], description: 'present when a read model used lags more than its threshold: results (search) may be delayed' },
} as const;

/** Documents the read-your-writes request headers. */
export const ConsistencyRequestHeaders = Type.Object({
  'x-min-position': Type.Optional(Type.String({ description: 'a consistency token (a command’s position): wait until the read models reflect it' })),
  'x-wait-ms': Type.Optional(Type.String({ description: 'how long to wait for X-Min-Position before answering stale' })),
});

/** `delayedAboveMs`: the lowest lag threshold among the read models used. */
export function setFreshnessHeaders(reply: FastifyReply, freshness: Freshness, delayedAboveMs = Number.POSITIVE_INFINITY): void {
  if (freshness.lagMs > delayedAboveMs) reply.header('x-projection-delayed', 'true');
  reply
    .header('x-projection-position', String(freshness.position))
    .header('x-as-of', freshness.asOf.toISOString())
    .header('x-consistency', freshness.caughtUp ? 'caught-up' : 'stale');
}
