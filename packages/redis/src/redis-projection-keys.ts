// The keys and channels of the Redis projection store under its prefix. None has a time to live but the leases:
// under any volatile-* maxmemory-policy Redis never evicts the read models, checkpoints or dead letters.
import { generationsKey } from './redis-session.js';
import type { RedisLeaseKeys } from './redis-lease.js';

export interface RedisProjectionKeys extends RedisLeaseKeys {
  readonly prefix: string;
  /** Hash: projection name → checkpoint JSON. */
  readonly checkpoints: string;
  /** Hash: projection name → the generation readers see (and `<name>#last`: the last one started). */
  readonly generations: string;
  /** Counter of dead-letter ids. */
  readonly letterSequence: string;
  /** Hash of a projection's dead letters: id → letter JSON. */
  letters(name: string): string;
  /** Hash of a projection's parked event ids, so one event is parked once. */
  letterEvents(name: string): string;
  /** Published after each committed batch. */
  readonly checkpointMovedChannel: string;
  /** Published when an operator pauses, resumes, rebuilds or retries a projection. */
  readonly controlChannel: string;
}

export const redisProjectionKeys = (prefix: string): RedisProjectionKeys => ({
  prefix,
  checkpoints: `${prefix}checkpoints`,
  generations: generationsKey(prefix),
  letterSequence: `${prefix}dead-letter-sequence`,
  letters: (name) => `${prefix}dead-letters:${name}`,
  letterEvents: (name) => `${prefix}dead-letter-events:${name}`,
  checkpointMovedChannel: `${prefix}checkpoint-moved`,
  controlChannel: `${prefix}projection-control`,
  lease: (name) => `${prefix}lease:${name}`,
  leaseTokens: `${prefix}lease-tokens`,
});
