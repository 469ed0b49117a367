// The demo seed: through the command path, the same seed value makes the same data, and a second run adds nothing twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTwofoldCli } from '@twofold/cli';
import { createCommandProcessor, cursorOf, logStart, type CommandProcessor, type EventStore, type LogCursor, type StoredEvent } from '@twofold/core';
import { migrate, openSqlClient, postgresEventStore, postgresSnapshotStore, type PostgresClient } from '@twofold/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCatalog, finalStatus, demoOrder } from '../src/demo/demo-shop.js';
import { seedShop } from '../src/demo/seed-shop.js';
import { shopApplication } from '../src/shop-application.js';
import { startShop, type Shop } from '../src/shop-server.js';
import { request } from './shop-fixture.js';

interface Store {
  readonly client: PostgresClient;
  readonly events: EventStore;
  readonly commands: CommandProcessor;
  close(): Promise<void>;
}

async function openStore(url = 'pglite:memory'): Promise<Store> {
  const client = await openSqlClient(url);
  await migrate(client);
  const events = postgresEventStore(client);
  const commands = createCommandProcessor({ eventStore: events, snapshotStore: postgresSnapshotStore(client) });
  return {
    client,
    events,
    commands,
    close: async () => {
      await commands.close();
      await events.close();
      await client.close();
    },
  };
}

async function allEvents(events: Pick<EventStore, 'readAll'>): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let after: LogCursor = logStart;
  for (;;) {
    const page = await events.readAll({ after, limit: 1_000 });
    if (page.length === 0) return all;
    all.push(...page);
    after = cursorOf(page.at(-1)!);
  }
}

/** What a stream holds, without the times (stamped when the command runs): type and data, stream by stream. */
const timeFields = /At$/;
const withoutTimes = (data: unknown): unknown => Object.fromEntries(Object.entries(data as Record<string, unknown>).filter(([key]) => !timeFields.test(key)));
async function content(events: Pick<EventStore, 'readAll'>): Promise<Record<string, { type: string; data: unknown }[]>> {
  const byStream: Record<string, { type: string; data: unknown }[]> = {};
  for (const event of await allEvents(events)) (byStream[event.streamId] ??= []).push({ type: event.type, data: withoutTimes(event.data) });
  return byStream;
}
const orderStreams = (byStream: Record<string, unknown[]>) => Object.fromEntries(Object.entries(byStream).filter(([id]) => id.startsWith('order-')));

describe('the demo seed', () => {
  const stores: Store[] = [];
  const dirs: string[] = [];
  let shop: Shop | undefined;
  afterEach(async () => {
    await shop?.close();
    shop = undefined;
    for (const store of stores.splice(0)) await store.close();
    // with the master key each embedded store keeps beside its directory
    for (const dir of dirs.splice(0)) for (const path of [dir, `${dir}.master-key`]) rmSync(path, { recursive: true, force: true });
  });
  const open = async (url?: string) => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };

  it('makes a few dozen products across merchants and currencies, and orders in every status', () => {
    const catalog = demoCatalog();
    expect(catalog.length).toBeGreaterThanOrEqual(24);
    expect(new Set(catalog.map((p) => p.merchantId)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(catalog.map((p) => p.currency)).size).toBeGreaterThanOrEqual(3);
    const statuses = new Set(Array.from({ length: 300 }, (_, i) => finalStatus(demoOrder(catalog, 'demo', i))));
    expect([...statuses].sort()).toEqual(['cancelled', 'delivered', 'paid', 'placed', 'shipped']);
  });

  it('gives the same data for the same seed value, and other orders for another', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    await seedShop(a.commands, { orders: 40, seedValue: 's1' });
    await seedShop(b.commands, { orders: 40, seedValue: 's1' });
    await seedShop(c.commands, { orders: 40, seedValue: 's2' });
    const [first, second, other] = [await content(a.events), await content(b.events), await content(c.events)];
    expect(Object.keys(orderStreams(first))).toHaveLength(40);
    expect(second).toEqual(first);
    expect(Object.keys(orderStreams(other)).some((id) => id in first)).toBe(false);
  });

  it('finishes an interrupted run when run again, with nothing twice; a run over complete data adds nothing', async () => {
    const [interrupted, clean] = [await open(), await open()];
    let done = 0;
    const first = await seedShop(interrupted.commands, { orders: 60, seedValue: 'r', onProgress: (n) => (done = n), stopped: () => done >= 17 });
    expect(first.placed).toBeLessThan(60);
    const second = await seedShop(interrupted.commands, { orders: 60, seedValue: 'r' });
    expect(first.placed + second.placed).toBe(60);
    await seedShop(clean.commands, { orders: 60, seedValue: 'r' });
    expect(orderStreams(await content(interrupted.events))).toEqual(orderStreams(await content(clean.events)));

    const head = (await interrupted.events.head())?.cursor.position;
    const third = await seedShop(interrupted.commands, { orders: 60, seedValue: 'r' });
    expect(third).toMatchObject({ placed: 0, existing: 60 });
    expect((await interrupted.events.head())?.cursor.position).toBe(head);
  });

  it('is `twofold seed --orders N --seed-value S`: run twice, the store holds N orders once each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-seed-'));
    dirs.push(dir);
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(`err: ${line}`) };
    const argv = ['node', 'twofold', 'seed', '--orders', '25', '--seed-value', 'cli', '--store', `pglite:${dir}`];
    await runTwofoldCli(shopApplication, argv, io);
    await runTwofoldCli(shopApplication, argv, io);
    expect(out.filter((line) => line.startsWith('err'))).toEqual([]);
    expect(out.at(-1)).toMatch(/^seeded \d+ products and 25 orders \(seed value cli\)$/);
    const store = await open(`pglite:${dir}`);
    const placed = (await allEvents(store.events)).filter((e) => e.type === 'OrderPlaced');
    expect(placed).toHaveLength(25);
    expect(new Set(placed.map((e) => e.streamId)).size).toBe(25);
  });

  it('refuses a bad --orders with a clear message', async () => {
    const out: string[] = [];
    await runTwofoldCli(shopApplication, ['node', 'twofold', 'seed', '--orders', 'many', '--store', 'memory'], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(out.join('\n')).toContain('--orders must be a whole number');
    expect(process.exitCode).toBe(2);
    process.exitCode = 0;
  });

  it('seeds an empty store when the server starts with seed, in every status, and never a store that has events', async () => {
    shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 }, seed: { orders: 30 } });
    await expect.poll(async () => (await request(shop!.url, 'GET', '/api/orders?limit=200')).body.items.length, { timeout: 30_000 }).toBe(30);
    await shop.close();

    const dir = mkdtempSync(join(tmpdir(), 'twofold-seeded-'));
    dirs.push(dir);
    shop = await startShop({ store: `pglite:${dir}`, port: 0, daemon: { pollIntervalMs: 50 } });
    expect((await request(shop.url, 'POST', '/api/products', { sku: 'mine', name: 'Mine', description: '', category: 'c', priceCents: 1, currency: 'EUR', merchantId: 'm', stock: 1 })).status).toBe(202);
    await shop.close();
    shop = await startShop({ store: `pglite:${dir}`, port: 0, daemon: { pollIntervalMs: 50 }, seed: true });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const products = (await request(shop.url, 'GET', '/api/products', undefined, { 'x-min-position': String((await shop.eventStore.head())!.cursor.position) })).body.items;
    expect(products.map((p: { sku: string }) => p.sku)).toEqual(['mine']);
  });
});
