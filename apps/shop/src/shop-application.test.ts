import { describe, expect, it } from 'vitest';
import { commandSettingsFromEnv, daemonSettingsFromEnv } from './shop-application.js';

describe('daemonSettingsFromEnv', () => {
  it('reads the tuning variables that are set, and nothing else', () => {
    expect(daemonSettingsFromEnv({})).toEqual({});
    expect(
      daemonSettingsFromEnv({
        TWOFOLD_PROJECTION_BATCH_SIZE: '200',
        TWOFOLD_PROJECTION_POLL_MS: '50',
        TWOFOLD_LEASE_RETRY_MS: '',
        TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS: '0',
      }),
    ).toEqual({ batchSize: 200, pollIntervalMs: 50, minBatchIntervalMs: 0 });
  });

  it('refuses what is not a whole number in range, naming the variable', () => {
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_BATCH_SIZE: '0' })).toThrow(/TWOFOLD_PROJECTION_BATCH_SIZE must be a positive integer/);
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_POLL_MS: '1.5' })).toThrow(/TWOFOLD_PROJECTION_POLL_MS/);
    expect(() => daemonSettingsFromEnv({ TWOFOLD_PROJECTION_MIN_BATCH_INTERVAL_MS: '-5' })).toThrow(/non-negative integer/);
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
