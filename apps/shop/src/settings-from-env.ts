// The shop's tuning from the environment: each variable parsed once, a bad value named in the error.
import { parseRateLimit } from '@twofold/http';
import type { ShopOptions } from './shop-server.js';

/** A whole number from the environment, at least `least`, or undefined when unset. */
function integerFromEnv(env: NodeJS.ProcessEnv, name: string, least = 1): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < least) throw new Error(`${name} must be ${least === 0 ? 'a non-negative' : 'a positive'} integer, not "${value}"`);
  return Number(value);
}

export const defined = <T extends object>(settings: T): Partial<T> =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<T>;

/**
 * Tuning from the environment: TWOFOLD_PROJECTION_BATCH_SIZE, TWOFOLD_PROJECTION_POLL_MS, TWOFOLD_LEASE_RETRY_MS
 * (positive integers), TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS and TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS (0 or more).
 */
export function daemonSettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['daemon']> {
  return defined({
    batchSize: integerFromEnv(env, 'TWOFOLD_PROJECTION_BATCH_SIZE'),
    pollIntervalMs: integerFromEnv(env, 'TWOFOLD_PROJECTION_POLL_MS'),
    leaseRetryMs: integerFromEnv(env, 'TWOFOLD_LEASE_RETRY_MS'),
    minBatchIntervalMs: integerFromEnv(env, 'TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS', 0),
    otherBatchIntervalMs: integerFromEnv(env, 'TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS', 0),
  });
}

/**
 * The write side's tuning from the environment: TWOFOLD_STATE_CACHE_ENTRIES (streams kept, 0 for none),
 * TWOFOLD_STATE_CACHE_MB and TWOFOLD_COMMAND_BATCH_SIZE (most commands appended together).
 */
export function commandSettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['commands']> {
  const megabytes = integerFromEnv(env, 'TWOFOLD_STATE_CACHE_MB', 0);
  return defined({
    cacheEntries: integerFromEnv(env, 'TWOFOLD_STATE_CACHE_ENTRIES', 0),
    cacheBytes: megabytes === undefined ? undefined : megabytes * 2 ** 20,
    maxBatchSize: integerFromEnv(env, 'TWOFOLD_COMMAND_BATCH_SIZE'),
  });
}

/**
 * Connections per role on a PostgreSQL server: TWOFOLD_PG_POOL_COMMANDS, TWOFOLD_PG_POOL_PROJECTOR,
 * TWOFOLD_PG_POOL_READS (positive integers).
 */
export function poolSettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['pools']> {
  return defined({
    commands: integerFromEnv(env, 'TWOFOLD_PG_POOL_COMMANDS'),
    projector: integerFromEnv(env, 'TWOFOLD_PG_POOL_PROJECTOR'),
    reads: integerFromEnv(env, 'TWOFOLD_PG_POOL_READS'),
  });
}

/**
 * The HTTP limits from the environment: TWOFOLD_RATE_LIMIT (requests per second per key, `N` or `N:burst`; unset:
 * none), TWOFOLD_REQUEST_TIMEOUT_MS (to receive a request; 0: none; default 30,000), TWOFOLD_CONNECTION_TIMEOUT_MS
 * (idle connections; default 0: none), TWOFOLD_SHUTDOWN_DRAIN_MS (serving with readiness 503 before closing;
 * default 500) and TWOFOLD_SHUTDOWN_GRACE_MS (for requests in flight; default 5,000).
 */
export function httpSettingsFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'rateLimit' | 'requestTimeoutMs' | 'connectionTimeoutMs' | 'shutdownDrainMs' | 'shutdownGraceMs'> {
  return defined({
    rateLimit: parseRateLimit(env['TWOFOLD_RATE_LIMIT']),
    requestTimeoutMs: integerFromEnv(env, 'TWOFOLD_REQUEST_TIMEOUT_MS', 0),
    connectionTimeoutMs: integerFromEnv(env, 'TWOFOLD_CONNECTION_TIMEOUT_MS', 0),
    shutdownDrainMs: integerFromEnv(env, 'TWOFOLD_SHUTDOWN_DRAIN_MS', 0) ?? 500,
    shutdownGraceMs: integerFromEnv(env, 'TWOFOLD_SHUTDOWN_GRACE_MS', 0),
  });
}

/**
 * Bounds against stalled processes: TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS and TWOFOLD_PG_STATEMENT_TIMEOUT_MS
 * (the command and projector sessions; 0 turns one off), TWOFOLD_PG_CONNECT_TIMEOUT_MS (the wait for a connection)
 * and TWOFOLD_LEASE_TTL_MS (projection leases).
 */
export function boundsFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'timeouts' | 'leaseTtlMs'> {
  const timeouts = defined({
    idleInTransactionMs: integerFromEnv(env, 'TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS', 0),
    statementMs: integerFromEnv(env, 'TWOFOLD_PG_STATEMENT_TIMEOUT_MS', 0),
    connectMs: integerFromEnv(env, 'TWOFOLD_PG_CONNECT_TIMEOUT_MS', 0),
  });
  return defined({ timeouts: Object.keys(timeouts).length === 0 ? undefined : timeouts, leaseTtlMs: integerFromEnv(env, 'TWOFOLD_LEASE_TTL_MS', 30) });
}

/** TWOFOLD_ANSWER_CACHE_ENTRIES: how many orders by id the exact answer cache keeps (0: no cache). */
export function answerCacheFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'answerCacheEntries'> {
  return defined({ answerCacheEntries: integerFromEnv(env, 'TWOFOLD_ANSWER_CACHE_ENTRIES', 0) });
}

/** TWOFOLD_PROJECTOR_THREAD: `1` runs the projector in a worker thread, `0` on the main thread; unset, the shop decides. */
export function projectorThreadFromEnv(env: NodeJS.ProcessEnv): boolean | undefined {
  const value = env['TWOFOLD_PROJECTOR_THREAD'];
  if (value === undefined || value === '') return undefined;
  if (value !== '0' && value !== '1') throw new Error(`TWOFOLD_PROJECTOR_THREAD must be 0 or 1, not "${value}"`);
  return value === '1';
}

/** The relay's JetStream stream from the environment: TWOFOLD_BUS_REPLICAS (1 to 5) and TWOFOLD_BUS_PARTITIONS (fixed once the stream exists). */
export function relaySettingsFromEnv(env: NodeJS.ProcessEnv): NonNullable<ShopOptions['relay']> {
  const replicas = integerFromEnv(env, 'TWOFOLD_BUS_REPLICAS');
  if (replicas !== undefined && replicas > 5) throw new Error(`TWOFOLD_BUS_REPLICAS must be from 1 to 5, not "${replicas}"`);
  return defined({ replicas, partitions: integerFromEnv(env, 'TWOFOLD_BUS_PARTITIONS') });
}

/** TWOFOLD_PAYMENT_WINDOW_MS: how long a placed order waits for payment (positive integer, milliseconds). */
export function paymentWindowFromEnv(env: NodeJS.ProcessEnv): Pick<ShopOptions, 'paymentWindowMs'> {
  return defined({ paymentWindowMs: integerFromEnv(env, 'TWOFOLD_PAYMENT_WINDOW_MS') });
}
