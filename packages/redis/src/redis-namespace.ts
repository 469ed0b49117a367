// One deployment per Redis namespace (key prefix): the namespace records the event store it was written for, and a
// deployment of another store refuses it; and the check that Redis will not evict the read models' keys.
import type { Redis } from './redis-client.js';
import { redisCall } from './redis-errors.js';

/** The namespace holds read models of another event store: using it would serve that store's data as this one's. */
export class NamespaceHeldByAnotherStore extends Error {
  constructor(
    readonly keyPrefix: string,
    readonly heldBy: string,
    readonly storeId: string,
  ) {
    super(
      `the Redis namespace "${keyPrefix}" holds read models of another event store (${heldBy}), not of this one (${storeId}): ` +
        'give this deployment its own namespace (--kv-prefix / TWOFOLD_KV_PREFIX), or leave it unset to derive one from the store',
    );
    this.name = 'NamespaceHeldByAnotherStore';
  }
}

/** The key that records which event store a namespace belongs to (no time to live: never evicted under a volatile-* policy). */
export const namespaceOwnerKey = (keyPrefix: string): string => `${keyPrefix}store`;

/** The default namespace of a deployment whose event store has id `storeId`: two stores never share one. */
export const defaultKeyPrefix = (storeId: string): string => `twofold:${storeId.replace(/-/g, '').slice(0, 16)}:`;

export interface ClaimOptions {
  /**
   * The last position of the claiming store's log (0 when empty). A namespace written before owners were recorded
   * has none; if one of its checkpoints is past this position, it cannot be this store's, and is refused too.
   */
  readonly headPosition?: number;
}

/**
 * Records `storeId` as the namespace's owner, unless another store already is (then throws NamespaceHeldByAnotherStore).
 * A namespace written before owners were recorded is claimed by the first store that opens it, unless its checkpoints
 * show it belongs to another (see `headPosition`).
 */
export async function claimRedisNamespace(redis: Redis, keyPrefix: string, storeId: string, options: ClaimOptions = {}): Promise<void> {
  const key = namespaceOwnerKey(keyPrefix);
  const owner = await redisCall(redis.get(key));
  if (owner === storeId) return;
  if (owner !== null) throw new NamespaceHeldByAnotherStore(keyPrefix, owner, storeId);
  const { headPosition } = options;
  if (headPosition !== undefined) {
    const checkpoints = Object.entries(await redisCall(redis.hgetall(`${keyPrefix}checkpoints`)));
    for (const [name, json] of checkpoints) {
      const position = Number((JSON.parse(json) as { position?: unknown }).position);
      if (position > headPosition) {
        throw new NamespaceHeldByAnotherStore(keyPrefix, `unrecorded: its checkpoint of ${name} is at position ${position}, past this store's last event at ${headPosition}`, storeId);
      }
    }
  }
  // another process may claim it meanwhile: only one SET NX wins, and the loser checks the winner
  if ((await redisCall(redis.set(key, storeId, 'NX'))) !== 'OK') return claimRedisNamespace(redis, keyPrefix, storeId, options);
}

/**
 * Why Redis may lose read-model keys, or undefined when it will not: a maxmemory-policy other than noeviction lets it
 * drop keys under memory pressure (a checkpoint gone means a rebuild from the log). Reads the policy with CONFIG GET;
 * never changes it. A server that refuses CONFIG (managed services rename it) gets a warning too: it cannot be checked.
 */
export async function evictionWarning(redis: Redis): Promise<string | undefined> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    policy = Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
  } catch (error) {
    return `could not read Redis' maxmemory-policy (${error instanceof Error ? error.message : String(error)}): make sure it is noeviction, or Redis may evict read models and their checkpoints`;
  }
  return evictionWarningFor(policy);
}

/** The warning for a maxmemory-policy value (undefined: not reported). */
export function evictionWarningFor(policy: string | undefined): string | undefined {
  if (policy === 'noeviction') return undefined;
  if (policy === undefined) return `Redis did not report its maxmemory-policy: make sure it is noeviction, or Redis may evict read models and their checkpoints`;
  const scope = policy.startsWith('allkeys-') ? 'any key, the read models and their checkpoints included' : 'keys with a time to live (the leases; read models and checkpoints have none)';
  return `Redis' maxmemory-policy is ${policy}: under memory pressure it evicts ${scope}. Set maxmemory-policy noeviction on a Redis that keeps read models`;
}
