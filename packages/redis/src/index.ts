// @twofold/redis: key-value read models on Redis, with their checkpoints, leases, dead letters and rebuild generations.
export type { Redis, RedisClientOptions } from './redis-client.js';
export { createRedisClient } from './redis-client.js';
export { isRedisConnectionError, translateRedisError } from './redis-errors.js';
export type { RedisReader, RedisSession, WritePosition } from './redis-session.js';
export { readModelKey } from './redis-session.js';
export type { RedisProjectionStore, RedisProjectionStoreOptions } from './redis-projection-store.js';
export { redisProjectionStore } from './redis-projection-store.js';
export { claimRedisNamespace, defaultKeyPrefix, evictionWarning, evictionWarningFor, namespaceOwnerKey, NamespaceHeldByAnotherStore } from './redis-namespace.js';
export type { ClaimOptions } from './redis-namespace.js';
