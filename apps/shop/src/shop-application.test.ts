import { describe, expect, it } from 'vitest';
import { boundsFromEnv, commandSettingsFromEnv, daemonSettingsFromEnv, poolSettingsFromEnv, projectorThreadFromEnv, relaySettingsFromEnv } from './settings-from-env.js';
import { connectionBoundsFor, defaultSessionTimeouts, sessionSettingsFor } from './backends/shop-clients.js';

describe('daemonSettingsFromEnv', () => {
  it('reads the tuning variables that are set, and nothing else', () => {
    expect(daemonSettingsFromEnv({})).toEqual({});
    expect(
      daemonSettingsFromEnv({
        TWOFOLD_PROJECTION_BATCH_SIZE: '200',
        TWOFOLD_PROJECTION_POLL_MS: '50',
        TWOFOLD_LEASE_RETRY_MS: '',
        TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS: '0',
        TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS: '40',
      }),
    ).toEqual({ batchSize: 200, pollIntervalMs: 50, minBatchIntervalMs: 0, otherBatchIntervalMs: 40 });
  });

  it('refuses what is not a whole number in range, naming the variable', () => {
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_BATCH_SIZE: '0' })).toThrow(/TWOFOLD_PROJECTION_BATCH_SIZE must be a positive integer/);
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_POLL_MS: '1.5' })).toThrow(/TWOFOLD_PROJECTION_POLL_MS/);
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS: '-5' })).toThrow(/non-negative integer/);
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS: 'soon' })).toThrow(/TWOFOLD_PROJECTION_OTHER_BATCH_INTERVAL_MS must be a non-negative integer/);
  });
});

describe('relaySettingsFromEnv', () => {
  it('reads the relay stream’s replicas and partitions, and refuses nonsense naming the variable', () => {
    expect(relaySettingsFromEnv({})).toEqual({});
    expect(relaySettingsFromEnv({ TWOFOLD_BUS_REPLICAS: '3', TWOFOLD_BUS_PARTITIONS: '64' })).toEqual({ replicas: 3, partitions: 64 });
    expect(() => relaySettingsFromEnv({ TWOFOLD_BUS_REPLICAS: '7' })).toThrow(/TWOFOLD_BUS_REPLICAS must be from 1 to 5/);
    expect(() => relaySettingsFromEnv({ TWOFOLD_BUS_PARTITIONS: '0' })).toThrow(/TWOFOLD_BUS_PARTITIONS/);
  });
});

describe('commandSettingsFromEnv', () => {
  it('reads the write side’s tuning, megabytes as bytes, and refuses nonsense', () => {
    expect(commandSettingsFromEnv({})).toEqual({});
    expect(commandSettingsFromEnv({ TWOFOLD_STATE_CACHE_ENTRIES: '0', TWOFOLD_STATE_CACHE_MB: '8', TWOFOLD_COMMAND_BATCH_SIZE: '32' })).toEqual({
      cacheEntries: 0,
      cacheBytes: 8 * 2 ** 20,
      maxBatchSize: 32,
    });
    expect(() => commandSettingsFromEnv({ TWOFOLD_COMMAND_BATCH_SIZE: '0' })).toThrow(/TWOFOLD_COMMAND_BATCH_SIZE must be a positive integer/);
  });
});

describe('poolSettingsFromEnv and projectorThreadFromEnv', () => {
  it('read the pools per role and where the projector runs, and refuse nonsense', () => {
    expect(poolSettingsFromEnv({})).toEqual({});
    expect(poolSettingsFromEnv({ TWOFOLD_PG_POOL_COMMANDS: '3', TWOFOLD_PG_POOL_PROJECTOR: '2', TWOFOLD_PG_POOL_READS: '12' })).toEqual({ commands: 3, projector: 2, reads: 12 });
    expect(() => poolSettingsFromEnv({ TWOFOLD_PG_POOL_READS: '0' })).toThrow(/TWOFOLD_PG_POOL_READS must be a positive integer/);
    expect(projectorThreadFromEnv({})).toBeUndefined();
    expect(projectorThreadFromEnv({ TWOFOLD_PROJECTOR_THREAD: '1' })).toBe(true);
    expect(projectorThreadFromEnv({ TWOFOLD_PROJECTOR_THREAD: '0' })).toBe(false);
    expect(() => projectorThreadFromEnv({ TWOFOLD_PROJECTOR_THREAD: 'yes' })).toThrow(/must be 0 or 1/);
  });
});

describe('boundsFromEnv and sessionSettingsFor', () => {
  it('read the session bounds and the lease ttl, 0 turning a bound off, and refuse nonsense', () => {
    expect(boundsFromEnv({})).toEqual({});
    expect(
      boundsFromEnv({ TWOFOLD_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0', TWOFOLD_PG_STATEMENT_TIMEOUT_MS: '10000', TWOFOLD_PG_CONNECT_TIMEOUT_MS: '2000', TWOFOLD_LEASE_TTL_MS: '3000' }),
    ).toEqual({
      timeouts: { idleInTransactionMs: 0, statementMs: 10_000, connectMs: 2_000 },
      leaseTtlMs: 3_000,
    });
    expect(() => boundsFromEnv({ TWOFOLD_LEASE_TTL_MS: '10' })).toThrow(/TWOFOLD_LEASE_TTL_MS/);
    expect(() => boundsFromEnv({ TWOFOLD_PG_STATEMENT_TIMEOUT_MS: '5s' })).toThrow(/TWOFOLD_PG_STATEMENT_TIMEOUT_MS/);
  });

  it('bound the command and projector sessions, never the readers', () => {
    expect(sessionSettingsFor('commands', defaultSessionTimeouts)).toEqual({ idle_in_transaction_session_timeout: '5000', statement_timeout: '30000' });
    expect(sessionSettingsFor('projector', defaultSessionTimeouts)).toEqual({
      idle_in_transaction_session_timeout: '5000',
      statement_timeout: '30000',
      synchronous_commit: 'off',
      plan_cache_mode: 'force_generic_plan',
    });
    expect(sessionSettingsFor('reads', defaultSessionTimeouts)).toEqual({});
  });

  it('bound the wait for a connection everywhere, and an unanswered statement 1 s past statement_timeout where there is one', () => {
    expect(connectionBoundsFor('commands', defaultSessionTimeouts)).toEqual({ connectTimeoutMs: 5_000, readTimeoutMs: 31_000 });
    expect(connectionBoundsFor('projector', { ...defaultSessionTimeouts, statementMs: 2_000 })).toEqual({ connectTimeoutMs: 5_000, readTimeoutMs: 3_000 });
    expect(connectionBoundsFor('commands', { ...defaultSessionTimeouts, statementMs: 0 })).toEqual({ connectTimeoutMs: 5_000, readTimeoutMs: 0 });
    expect(connectionBoundsFor('reads', defaultSessionTimeouts)).toEqual({ connectTimeoutMs: 5_000, readTimeoutMs: 0 });
  });
});
