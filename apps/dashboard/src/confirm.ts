// The optimistic pattern: send a command, show it pending, then confirmed once a read reflects its consistency token.
import { command, get, type ApiError } from './api.js';

export type Outcome<T> = { readonly state: 'confirmed'; readonly read: T; readonly position: number } | { readonly state: 'refused'; readonly error: ApiError } | { readonly state: 'unconfirmed'; readonly position: number };

/**
 * POSTs the command; on 202 reads `readPath` with `X-Min-Position: <position>`, which waits (up to X-Wait-Ms) until the
 * read model has applied the command's events: confirmed when it answers caught-up.
 */
export async function sendAndConfirm<T>(path: string, body: unknown, readPath: string): Promise<Outcome<T>> {
  const accepted = await command(path, body);
  if (!accepted.ok) return { state: 'refused', error: accepted.error };
  const { position } = accepted.body;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const read = await get<T>(readPath, { minPosition: position, waitMs: 3000 });
    if (read.ok && read.freshness.caughtUp) return { state: 'confirmed', read: read.body, position };
  }
  return { state: 'unconfirmed', position };
}
