// Partitioned projectors over JetStream (one nats-server of the test's own, R1), in this process: two projectors share
// the 32 buckets, read-your-writes holds through the lowest partition (idle ones stand at the stream's tail), and a
// stopped projector's buckets move to the other within seconds.
import { createTestDatabase, startNatsServers, type NatsTestServers, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';

describe('partitioned projectors in one process', () => {
  let nats: NatsTestServers;
  let database: TestDatabase;
  const shops: Shop[] = [];
  beforeAll(async () => {
    [nats, database] = await Promise.all([startNatsServers({ nodes: 1 }), createTestDatabase(undefined, { label: 'partitions' })]);
  });
  afterAll(async () => {
    for (const shop of shops) await shop.close().catch(() => undefined);
    await database?.drop();
    await nats?.stop();
  });
  const start = async (roles: readonly ('command' | 'query' | 'relay' | 'projector')[]): Promise<Shop> => {
    const shop = await startShop({ store: database.url, bus: nats.urls, roles: new Set(roles), port: 0, leaseTtlMs: 2_000, projectorThread: false });
    shops.push(shop);
    return shop;
  };
  const owned = (shop: Shop): number => shop.partitionedProjector?.stats().partitions.length ?? 0;

  it('splits the buckets, reads own writes through the partitions, and hands a stopped projector\'s buckets over', async () => {
    const front = await start(['command', 'query', 'relay']);
    const first = await start(['projector']);
    await expect.poll(() => owned(first), { timeout: 10_000 }).toBe(32);
    const second = await start(['projector']);
    await expect.poll(() => [owned(first), owned(second)], { timeout: 10_000 }).toEqual([16, 16]);

    for (let s = 0; s < 4; s++) expect((await request(front.url, 'POST', '/api/products', product(`PART-${s}`, 1_000))).status).toBe(202);
    for (let i = 0; i < 40; i++) {
      const orderId = `part-${i}`;
      const placed = await request(front.url, 'POST', '/api/orders', { orderId, customerId: `c-${i % 3}`, currency: 'EUR', lines: [{ sku: `PART-${i % 4}`, quantity: 1 }] });
      expect(placed.status, JSON.stringify(placed.body)).toBe(202);
      const read = await request(front.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': String(placed.body.position) });
      expect(read.status, `order ${orderId} with its token`).toBe(200);
      expect(read.headers.get('x-consistency')).toBe('caught-up');
    }
    const overview = await request(front.url, 'GET', '/api/projections');
    const summaries = overview.body.projections.find((p: { name: string }) => p.name === 'orderSummaries');
    expect(summaries.partitions).toHaveLength(32);
    expect(new Set(summaries.partitions.map((p: { owner: string }) => p.owner)).size).toBe(2);
    const metrics = await (await fetch(`${front.url}/metrics`)).text();
    expect(metrics).toMatch(/twofold_partition_owned\{projection="orderSearch",partition="0",owner="[^"]+"\} 1/);

    const stoppedAt = performance.now();
    await second.close();
    await expect.poll(() => owned(first), { timeout: 10_000 }).toBe(32);
    console.log(`partitions handed over from a stopped projector in ${Math.round(performance.now() - stoppedAt)} ms`);
    const placed = await request(front.url, 'POST', '/api/orders', { orderId: 'after', customerId: 'c-0', currency: 'EUR', lines: [{ sku: 'PART-0', quantity: 1 }] });
    const read = await request(front.url, 'GET', '/api/orders/after', undefined, { 'X-Min-Position': String(placed.body.position) });
    expect(read.status).toBe(200);
  });
});
