// Opaque keyset cursors for paged queries: the sort key of the last row of a page, base64url JSON.
import { InvalidCommand } from '@twofold/core';

export const encodeCursor = (key: readonly (string | number)[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The sort key a cursor holds; throws InvalidCommand unless it has exactly the given shape. */
export function decodeCursor<const Shape extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: Shape,
): { -readonly [I in keyof Shape]: Shape[I] extends 'string' ? string : number } {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== shape.length || key.some((part, i) => typeof part !== shape[i])) {
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
