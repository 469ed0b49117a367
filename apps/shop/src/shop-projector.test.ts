import { describe, expect, it } from 'vitest';
import { daemonSettingsFor, processManagerSettingsFor, readModelGroups } from './shop-projector.js';

const server = { multipleConnections: true, inProcess: false };
const embedded = { multipleConnections: false, inProcess: true };

describe('the projector’s gathering windows', () => {
  it('orderSummaries gathers 5 ms on a server and every read model 50 ms in a database inside the process, unless told otherwise', () => {
    expect(daemonSettingsFor(server, {}, undefined).minBatchIntervalMs).toBe(5);
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

describe('the read models’ daemons', () => {
  const readModels = ['orderSummaries', 'productCatalog', 'orderSearch', 'customerOrders'].map((name) => ({ name }));
  const names = (groups: ReturnType<typeof readModelGroups<{ name: string }>>) => groups.map((group) => [group.projections.map((p) => p.name), group.settings.minBatchIntervalMs]);

  it('on a server, keeps the read models read right after a write in the narrow window and the rest in the wide one (50 ms unless told)', () => {
    expect(names(readModelGroups(readModels, { minBatchIntervalMs: 10, batchSize: 200 }, undefined, false))).toEqual([
      [['orderSummaries'], 10],
      [['productCatalog', 'orderSearch', 'customerOrders'], 50],
    ]);
    expect(names(readModelGroups(readModels, { minBatchIntervalMs: 0 }, 30, false))).toEqual([
      [['orderSummaries'], 0],
      [['productCatalog', 'orderSearch', 'customerOrders'], 30],
    ]);
    expect(readModelGroups(readModels, { minBatchIntervalMs: 10, batchSize: 200 }, undefined, false)[1]!.settings.batchSize).toBe(200);
  });

  it('never makes the wide window narrower than the narrow one, and keeps one daemon where they are the same', () => {
    expect(names(readModelGroups(readModels, { minBatchIntervalMs: 80 }, undefined, false))).toEqual([[['orderSummaries', 'productCatalog', 'orderSearch', 'customerOrders'], 80]]);
    expect(names(readModelGroups(readModels, { minBatchIntervalMs: 50 }, 20, false))).toEqual([[['orderSummaries', 'productCatalog', 'orderSearch', 'customerOrders'], 50]]);
  });

  it('keeps one daemon in a database inside the process, where one connection runs every transaction in turn', () => {
    expect(names(readModelGroups(readModels, { minBatchIntervalMs: 50 }, 200, true))).toEqual([[['orderSummaries', 'productCatalog', 'orderSearch', 'customerOrders'], 50]]);
  });

  it('gives each side its window when the other is empty (run elsewhere, over the bus), and makes no daemon of nothing', () => {
    expect(names(readModelGroups(readModels.slice(1), { minBatchIntervalMs: 10 }, undefined, false))).toEqual([[['productCatalog', 'orderSearch', 'customerOrders'], 50]]);
    expect(names(readModelGroups(readModels.slice(0, 1), { minBatchIntervalMs: 10 }, undefined, false))).toEqual([[['orderSummaries'], 10]]);
    expect(readModelGroups([], { minBatchIntervalMs: 10 }, undefined, false)).toEqual([]);
  });
});
