// The orders-by-id read model's Redis: the deployment's namespace in it, and the store opened there.
import type { EventStore, Logger } from '@twofold/core';
import { storeIdentity, type PostgresClient } from '@twofold/postgres';
import { claimRedisNamespace, createRedisClient, defaultKeyPrefix, evictionWarning, redisProjectionStore, type RedisProjectionStore } from '@twofold/redis';
import { redisOrderSummaries } from '../projections/index.js';

/** Which namespace a deployment keeps its Redis read models in, and what it tells of the event store it belongs to. */
export interface KeyValueNamespace {
  readonly keyPrefix: string;
  /** The event store's identity: a namespace that holds another store's read models is refused. */
  readonly storeId: string;
  /** The store's last position: a namespace from before owners were recorded, with checkpoints past it, is refused too. */
  readonly headPosition: number;
}

/** The Redis namespace of the deployment whose event store `eventsClient` reaches: the one asked for, else one derived from the store. */
export async function keyValueNamespace(eventsClient: PostgresClient, eventStore: Pick<EventStore, 'head'>, keyPrefix: string | undefined): Promise<KeyValueNamespace> {
  const storeId = await storeIdentity(eventsClient);
  const headPosition = (await eventStore.head())?.cursor.position ?? 0;
  return { keyPrefix: keyPrefix ?? defaultKeyPrefix(storeId), storeId, headPosition };
}

/** The Redis of a deployment: its client, the read model's store in the deployment's namespace, and what closes them. */
export interface KeyValueStore {
  readonly client: ReturnType<typeof createRedisClient>;
  readonly store: RedisProjectionStore;
  readonly keyPrefix: string;
  close(): Promise<void>;
}

export interface KeyValueStoreOptions extends KeyValueNamespace {
  readonly logger?: Logger | undefined;
  /** How long the read model's lease lasts unrenewed (the Redis store's default when absent). */
  readonly leaseTtlMs?: number | undefined;
}

/**
 * Opens Redis for the orders-by-id read model: its client, its store, and what closes them. Refuses a namespace of
 * another event store; warns when Redis may evict keys.
 */
export async function openKeyValueStore(url: string, options: KeyValueStoreOptions): Promise<KeyValueStore> {
  const { keyPrefix, storeId, headPosition, logger, leaseTtlMs } = options;
  const client = createRedisClient(url);
  const store = redisProjectionStore(client, { keyPrefix, ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }) });
  try {
    await claimRedisNamespace(client, keyPrefix, storeId, { headPosition });
    const warning = await evictionWarning(client);
    if (warning !== undefined) logger?.warn({ keyPrefix }, warning);
    await store.prepare(redisOrderSummaries);
  } catch (error) {
    await store.close().catch(() => undefined);
    client.disconnect();
    throw error;
  }
  return {
    client,
    store,
    keyPrefix,
    async close() {
      await store.close().catch(() => undefined);
      await client.quit().catch(() => client.disconnect());
    },
  };
}
