// Search text for websearch_to_tsquery: refused when no database could store it, and stripped of operators with no operand.
import { InvalidCommand } from '@twofold/core';
import { isStorableText } from '../domain/validate.js';

export const maxSearchTextLength = 500;

/**
 * The text to search for, or undefined for none. A `-` that negates nothing (a run of them, or one before a
 * space or the end) is dropped: PostgreSQL stacks such operators until "tsquery stack too small".
 */
export function searchText(q: string | undefined): string | undefined {
  const text = q?.trim() || undefined;
  if (text === undefined) return undefined;
  if (text.length > maxSearchTextLength) throw new InvalidCommand(`q must be at most ${maxSearchTextLength} characters`, { field: 'q' });
  if (!isStorableText(text)) throw new InvalidCommand('q must not contain NUL characters or unpaired surrogates', { field: 'q' });
  const normalized = text.replace(/-+/g, '-').replace(/-(?=[^\p{L}\p{N}"]|$)/gu, ' ').trim();
  return normalized === '' ? undefined : normalized;
}

/** Runs a search, answering a query PostgreSQL still finds too complex as the client's error, not a 500. */
export async function runningSearch<T>(search: () => Promise<T>): Promise<T> {
  try {
    return await search();
  } catch (error) {
    if (error instanceof Error && /tsquery/.test(error.message)) {
      throw new InvalidCommand('q is too complex a search: use fewer operators', { field: 'q' });
    }
    throw error;
  }
}
