// A token bucket per client (API key, or address without keys): past the rate, 429 with Retry-After.
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from './http-app.js';
import { sendHttpError } from './http-error.js';

export interface RateLimit {
  /** Requests a client may make per second, on average. */
  readonly perSecond: number;
  /** Requests a client may make at once after a quiet spell (default: one second's worth, at least 1). */
  readonly burst?: number;
}

export class RateLimitFormatError extends Error {}

/** Parses `TWOFOLD_RATE_LIMIT`: `N` (requests per second) or `N:B` (with a burst of B); unset, empty, `0` or `off` is no limit. */
export function parseRateLimit(text: string | undefined): RateLimit | undefined {
  const value = (text ?? '').trim();
  if (value === '' || value === '0' || value === 'off') return undefined;
  const match = /^(\d+(?:\.\d+)?)(?:\/s)?(?::(\d+))?$/.exec(value);
  const perSecond = Number(match?.[1]);
  const burst = match?.[2] === undefined ? undefined : Number(match[2]);
  if (match === null || !(perSecond > 0) || (burst !== undefined && burst < 1)) {
    throw new RateLimitFormatError(`TWOFOLD_RATE_LIMIT must be requests per second, optionally with a burst (e.g. 50 or 50:200), or off; not "${value.slice(0, 40)}"`);
  }
  return burst === undefined ? { perSecond } : { perSecond, burst };
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export interface RateLimiter {
  /** Takes one request's token for `client`: 0 when it may go on, else the seconds until it may (at least 1). */
  take(client: string, nowMs?: number): number;
}

/** At most `maxClients` buckets are kept; the least recently seen is forgotten first (it comes back full). */
export function createRateLimiter(limit: RateLimit, maxClients = 10_000): RateLimiter {
  const { perSecond } = limit;
  const burst = limit.burst ?? Math.max(1, Math.ceil(perSecond));
  if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
  const buckets = new Map<string, Bucket>();
  return {
    take(client, nowMs = performance.now()) {
      const bucket = buckets.get(client) ?? { tokens: burst, atMs: nowMs };
      buckets.delete(client);
      buckets.set(client, bucket);
      if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value as string);
      bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * perSecond);
      bucket.atMs = nowMs;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    },
  };
}

/** Limits every request but those `exempt` says (health probes), by `clientOf` (the key's id, or the address). */
export function installRateLimit(
  app: HttpApp,
  limit: RateLimit,
  clientOf: (request: FastifyRequest) => string,
  exempt: (method: string, url: string | undefined) => boolean,
): void {
  const limiter = createRateLimiter(limit);
  app.addHook('onRequest', (request, reply, done) => {
    if (exempt(request.method, request.routeOptions.url)) return done();
    const retryAfterS = limiter.take(clientOf(request));
    if (retryAfterS === 0) return done();
    sendHttpError(request, reply, {
      status: 429,
      code: 'too_many_requests',
      message: `more than ${limit.perSecond} requests a second: retry after ${retryAfterS} s`,
      details: { limitPerSecond: limit.perSecond },
      headers: { 'retry-after': String(retryAfterS) },
    });
  });
}
