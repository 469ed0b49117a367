// Opaque keyset cursors for paged queries: the sort key of the last row of a page, base64url JSON.
import { InvalidCommand } from '@twofold/core';
import { isStorableText } from '../domain/validate.js';

/** A part of a sort key: text, a float8 number, or a float4 (`real`) one, which PostgreSQL refuses outside its range. */
export type CursorPart = 'string' | 'number' | 'real';

const fits: Record<CursorPart, (part: unknown) => boolean> = {
  string: (part) => typeof part === 'string' && isStorableText(part),
  number: (part) => typeof part === 'number' && Number.isFinite(part),
  real: (part) => typeof part === 'number' && Number.isFinite(part) && (part === 0 || (Math.abs(part) >= 1.1754944e-38 && Math.abs(part) <= 3.4028234e38)),
};

export const encodeCursor = (key: readonly (string | number)[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The sort key a cursor holds; throws InvalidCommand unless it has exactly the given shape, each part storable. */
export function decodeCursor<const Shape extends readonly CursorPart[]>(
  cursor: string,
  shape: Shape,
): { -readonly [I in keyof Shape]: Shape[I] extends 'string' ? string : number } {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => !fits[shape[i]!](part))) {
    throw new InvalidCommand('cursor is not one this query returned', { field: 'cursor' });
  }
  return key as never;
}

export function pageLimit(limit: number | undefined, { defaultLimit = 20, maxLimit = 200 } = {}): number {
  if (limit === undefined) return defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw new InvalidCommand(`limit must be an integer from 1 to ${maxLimit}`, { field: 'limit' });
  }
  return limit;
}
