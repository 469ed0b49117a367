// Partitioned projectors on a 3-node JetStream cluster (R3 stream): under continuous orders the stream leader's node is
// SIGKILLed and brought back; ordered consumers that stall are recreated from their last sequence, every acknowledged
// command's events end in the partitioned read models exactly once (equal to a rebuild), and lag recovers.
import { readEventStreamState } from '@twofold/nats';
import { describe, expect, it } from 'vitest';
import { clusterOfShops, expectEqualToARebuild, placeOrdersUntilStopped } from './partition-fixture.js';
import { product, request } from './shop-fixture.js';

describe('partitioned projectors on a 3-node cluster', () => {
  const cluster = clusterOfShops('partition-cluster');
  const start = cluster.start;

  it('keeps every acknowledged command through a stream leader loss, and projection resumes', { timeout: 240_000 }, async () => {
    const front = await start(['command', 'query', 'relay']);
    const projectors = [await start(['projector']), await start(['projector'])];
    await expect.poll(() => projectors.map((p) => p.partitionedProjector!.stats().partitions.length), { timeout: 15_000 }).toEqual([16, 16]);
    const skus = ['CL-0', 'CL-1', 'CL-2', 'CL-3'];
    for (const sku of skus) expect((await request(front.url, 'POST', '/api/products', product(sku, 1_000_000))).status).toBe(202);
    const load = placeOrdersUntilStopped(front.url, skus, { prefix: 'cluster' });
    try {
      await expect.poll(() => load.placed(), { timeout: 20_000 }).toBeGreaterThan(30);

      const { leader } = await readEventStreamState({ servers: cluster.nats.urls });
      const node = cluster.nats.node(leader!);
      const killedAt = performance.now();
      await node.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await node.restart();
      // projection resumed: a command placed now is read with its token
      const probe = await request(front.url, 'POST', '/api/orders', { orderId: 'probe', customerId: 'c-0', currency: 'EUR', lines: [{ sku: 'CL-0', quantity: 1 }] });
      expect(probe.status).toBe(202);
      const probePosition = Number(probe.headers.get('x-position'));
      for (;;) {
        const read = await request(front.url, 'GET', '/api/orders/probe', undefined, { 'X-Min-Position': String(probePosition), 'X-Wait-Ms': '1000' });
        if (read.headers.get('x-consistency') === 'caught-up') break;
        const s = projectors.map((p) => p.partitionedProjector!.stats());
        console.log(`${Math.round(performance.now() - killedAt)} ms: relay ${front.relay!.stats().state} at ${front.relay!.stats().cursor?.position} (probe ${probePosition}), tails ${s.map((x) => x.tailSequence)}, recreated ${s.map((x) => x.recreated)}, lowest ${s.map((x) => Math.min(...x.partitions.map((q) => q.position)))}`);
        expect(performance.now() - killedAt).toBeLessThan(60_000);
      }
      console.log(
        `stream leader ${leader} killed (back after 2 s): an order placed after it was readable ${Math.round(performance.now() - killedAt)} ms after the kill; ` +
          `consumers recreated: ${projectors.map((p) => p.partitionedProjector!.stats().recreated).join(', ')}`,
      );
      await load.stop();
      const caughtUp = await request(front.url, 'GET', '/api/orders?limit=1', undefined, { 'X-Min-Position': load.lastToken(), 'X-Wait-Ms': '30000' });
      expect(caughtUp.headers.get('x-consistency')).toBe('caught-up');
      await expectEqualToARebuild(cluster.database.url, cluster.database.url, load.placed());
    } finally {
      // stops the writers when an assertion failed before load.stop() (after it, this returns at once)
      await load.stop().catch(() => undefined);
    }
  });
});
