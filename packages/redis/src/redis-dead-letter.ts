// How the Redis projection store keeps a dead letter: JSON in the projection's dead-letters hash, under its sequence number.
import type { DeadLetter, NewDeadLetter, StoredEvent } from '@twofold/core';

export interface StoredDeadLetter {
  readonly event: Omit<StoredEvent, 'recordedAt'> & { readonly recordedAt: string };
  readonly error: string;
  readonly parkedAt: string;
}

export const storedLetter = ({ event, error }: NewDeadLetter): string =>
  JSON.stringify({ event: { ...event, recordedAt: event.recordedAt.toISOString() }, error, parkedAt: new Date().toISOString() } satisfies StoredDeadLetter);

export const toDeadLetter = (projection: string, id: string, json: string): DeadLetter => {
  const stored = JSON.parse(json) as StoredDeadLetter;
  return { id, projection, event: { ...stored.event, recordedAt: new Date(stored.event.recordedAt) }, error: stored.error, parkedAt: new Date(stored.parkedAt) };
};
