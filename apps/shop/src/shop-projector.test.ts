import { describe, expect, it } from 'vitest';
import { daemonSettingsFor, processManagerSettingsFor } from './shop-projector.js';

const server = { multipleConnections: true, inProcess: false };
const embedded = { multipleConnections: false, inProcess: true };

describe('the projector’s gathering windows', () => {
  it('read models gather 10 ms on a server and 50 ms in a database inside the process, unless told otherwise', () => {
    expect(daemonSettingsFor(server, {}, undefined).minBatchIntervalMs).toBe(10);
    expect(daemonSettingsFor(embedded, {}, undefined).minBatchIntervalMs).toBe(50);
    expect(daemonSettingsFor(server, { minBatchIntervalMs: 0 }, undefined).minBatchIntervalMs).toBe(0);
  });

  it('process managers gather at least 50 ms, or the read models’ window when it is wider, and keep the other settings', () => {
    expect(processManagerSettingsFor({ minBatchIntervalMs: 10, batchSize: 200 })).toEqual({ minBatchIntervalMs: 50, batchSize: 200 });
    expect(processManagerSettingsFor({ minBatchIntervalMs: 0 }).minBatchIntervalMs).toBe(50);
    expect(processManagerSettingsFor({}).minBatchIntervalMs).toBe(50);
    expect(processManagerSettingsFor({ minBatchIntervalMs: 80 }).minBatchIntervalMs).toBe(80);
  });
});
