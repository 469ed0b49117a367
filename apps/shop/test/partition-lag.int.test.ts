// Measurement, not a check (runs only with TWOFOLD_PARTITION_BENCH=1): command → read model lag, as a client sees it
// (from the command's 202 to the answer of a read with its token, from another process's point of view: the gate waits
// for the read models), through the relay and partitioned projectors vs the daemon reading the log directly.
//   TWOFOLD_PARTITION_BENCH=1 npx vitest run apps/shop/test/partition-lag.int.test.ts
import { createTestDatabase, startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../src/shop-server.js';
import { percentile } from './relay-fixture.js';
import { product, request } from './shop-fixture.js';

const enabled = process.env['TWOFOLD_PARTITION_BENCH'] === '1';
const orders = 150;

describe.skipIf(!enabled)('command → read model lag, through the relay vs direct', () => {
  let nats: NatsTestServers;
  beforeAll(async () => {
    nats = await startNatsServers({ nodes: 1 });
  });
  afterAll(async () => {
    await nats?.stop();
  });

  for (const via of ['direct', 'relay'] as const) {
    it(via, async () => {
      const database = await createTestDatabase(undefined, { label: `partition-lag-${via}` });
      const shops: Shop[] = [];
      try {
        const common = { store: database.url, port: 0, projectorThread: false } as const;
        const bus = via === 'relay' ? { bus: nats.urls } : {};
        const front = await startShop({ ...common, ...bus, roles: new Set(via === 'relay' ? ['command', 'query', 'relay'] as const : ['command', 'query'] as const) });
        shops.push(front, await startShop({ ...common, ...bus, roles: new Set(['projector'] as const) }));
        if (via === 'relay') await expect.poll(() => shops[1]!.partitionedProjector!.stats().partitions.length, { timeout: 10_000 }).toBe(32);
        for (let s = 0; s < 4; s++) expect((await request(front.url, 'POST', '/api/products', product(`LAG-${s}`, 100_000))).status).toBe(202);
        const lags: number[] = [];
        for (let i = 0; i < orders; i++) {
          const placed = await request(front.url, 'POST', '/api/orders', { orderId: `lag-${i}`, customerId: 'c', currency: 'EUR', lines: [{ sku: `LAG-${i % 4}`, quantity: 1 }] });
          const acknowledgedAt = performance.now();
          const read = await request(front.url, 'GET', `/api/orders/lag-${i}`, undefined, { 'X-Min-Position': placed.headers.get('x-position')! });
          expect(read.status).toBe(200);
          lags.push(performance.now() - acknowledgedAt);
          await new Promise((resolve) => setTimeout(resolve, 6));
        }
        console.log(`${via}: command 202 → read with its token answered, ${orders} orders: p50 ${percentile(lags, 50).toFixed(1)} ms, p99 ${percentile(lags, 99).toFixed(1)} ms`);
      } finally {
        for (const shop of shops) await shop.close();
        await database.drop();
      }
    }, 120_000);
  }
});
