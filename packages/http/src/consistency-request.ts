// The read-your-writes part of a query request: `X-Min-Position` / `?minPosition=` and `X-Wait-Ms`, parsed strictly.
import { InvalidCommand } from '@twofold/core';
import type { FastifyRequest } from 'fastify';

export interface ConsistencyRequest {
  /** The consistency token to wait for, when one was sent. */
  readonly minPosition: number | undefined;
  readonly waitMs: number;
}

const digits = /^[0-9]{1,16}$/;

function single(value: unknown): unknown {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : value) : value;
}

function nonNegativeInteger(name: string, raw: unknown, max: number): number | undefined {
  const value = single(raw);
  if (value === undefined) return undefined;
  const text = typeof value === 'number' ? String(value) : value;
  const parsed = typeof text === 'string' && digits.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed > max) {
    throw new InvalidCommand(`${name} must be an integer between 0 and ${max}`, { [name]: typeof value === 'string' ? value : String(value), max });
  }
  return parsed;
}

/** Reads the token (header first, then the query parameter) and the wait; malformed values are InvalidCommand (400). */
export function consistencyRequestOf(request: FastifyRequest, limits: { defaultWaitMs: number; maxWaitMs: number }): ConsistencyRequest {
  const query = (typeof request.query === 'object' && request.query !== null ? request.query : {}) as Record<string, unknown>;
  const fromHeader = nonNegativeInteger('X-Min-Position', request.headers['x-min-position'], Number.MAX_SAFE_INTEGER);
  const minPosition = fromHeader ?? nonNegativeInteger('minPosition', query['minPosition'], Number.MAX_SAFE_INTEGER);
  const waitMs = nonNegativeInteger('X-Wait-Ms', request.headers['x-wait-ms'], limits.maxWaitMs) ?? limits.defaultWaitMs;
  return { minPosition, waitMs };
}
