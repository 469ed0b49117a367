// Partitioned projectors as processes of their own (`twofold serve`, one nats-server of the test's own, R1): a
// command+relay process, a query process and two projector processes pass the acceptance flow; under load, a
// projector killed mid-batch has its partitions taken over within 10 s, one paused (SIGSTOP) past its lease and
// resumed commits nothing under its old fences, and the read models end equal to a rebuild from scratch.
import { createTestDatabase, startNatsServers, type NatsTestServers, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEqualToARebuild, placeOrdersUntilStopped } from './partition-fixture.js';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

interface PartitionView {
  partition: number;
  owner: string | null;
}

describe('partitioned projectors in processes of their own', () => {
  let nats: NatsTestServers;
  let database: TestDatabase;
  const processes: ShopProcess[] = [];
  let front: ShopProcess;
  let queries: ShopProcess;
  const env = { LOG_LEVEL: 'warn' };
  const spawnProjector = async (): Promise<ShopProcess> => {
    const projector = await spawnShop(['--store', database.url, '--role', 'projector', '--bus', nats.urls], env);
    processes.push(projector);
    return projector;
  };
  const partitions = async (): Promise<PartitionView[]> => {
    const { body } = await request(queries.url, 'GET', '/api/projections');
    return body.projections.find((p: { name: string }) => p.name === 'orderSummaries')?.partitions ?? [];
  };
  /** How many partitions each process (by pid, which names its worker) holds. */
  const shares = async (...owners: ShopProcess[]): Promise<number[]> => {
    const rows = await partitions();
    return owners.map((owner) => rows.filter((row) => row.owner?.includes(` pid ${owner.child.pid} `)).length);
  };

  beforeAll(async () => {
    [nats, database] = await Promise.all([startNatsServers({ nodes: 1 }), createTestDatabase(undefined, { label: 'partition-processes' })]);
    front = await spawnShop(['--store', database.url, '--role', 'command,relay', '--bus', nats.urls], env);
    processes.push(front);
    queries = await spawnShop(['--store', database.url, '--role', 'query'], env);
    processes.push(queries);
    for (let s = 0; s < 6; s++) expect((await request(front.url, 'POST', '/api/products', product(`PP-${s}`, 1_000_000))).status).toBe(202);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => (p.child.kill('SIGCONT'), p.kill('SIGKILL'))));
    await database?.drop();
    await nats?.stop();
  });

  it('a command+relay process, a query process and two projector processes: place, read own write from another process, pay, ship, search', async () => {
    const [a, b] = [await spawnProjector(), await spawnProjector()];
    await expect.poll(() => shares(a, b), { timeout: 15_000, interval: 200 }).toEqual([16, 16]);
    const orderId = 'split-1';
    const placed = await request(front.url, 'POST', '/api/orders', { orderId, customerId: 'ada', currency: 'EUR', lines: [{ sku: 'PP-1', quantity: 2 }], customer: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    const readWith = (path: string, token: string) => request(queries.url, 'GET', path, undefined, { 'X-Min-Position': token });
    let read = await readWith(`/api/orders/${orderId}`, placed.headers.get('x-position')!);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-consistency')).toBe('caught-up');
    expect(read.body).toMatchObject({ orderId, status: 'placed', totalCents: 2_000 });
    const paid = await request(front.url, 'POST', `/api/orders/${orderId}/pay`, { amountCents: 2_000, paymentRef: 'pay-1' });
    expect(paid.status, JSON.stringify(paid.body)).toBe(202);
    read = await readWith(`/api/orders/${orderId}`, paid.headers.get('x-position')!);
    expect(read.body).toMatchObject({ status: 'paid' });
    const shipped = await request(front.url, 'POST', `/api/orders/${orderId}/ship`, { carrier: 'DHL', trackingNumber: 'T-1' });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(202);
    read = await readWith(`/api/orders/${orderId}`, shipped.headers.get('x-position')!);
    expect(read.body).toMatchObject({ status: 'shipped' });
    const found = await readWith('/api/orders?q=lovelace', shipped.headers.get('x-position')!);
    expect(found.headers.get('x-consistency')).toBe('caught-up');
    expect(found.body.items.map((o: { orderId: string }) => o.orderId)).toContain(orderId);
    expect(found.body.items.find((o: { orderId: string }) => o.orderId === orderId)).toMatchObject({ status: 'shipped' });
    const catalog = await readWith('/api/products?q=PP-1', shipped.headers.get('x-position')!);
    expect(catalog.headers.get('x-consistency')).toBe('caught-up');
  }, 90_000);

  it('under load: a killed projector\'s partitions move within 10 s, a paused one commits nothing when resumed, and the read models equal a rebuild', async () => {
    const [a, b] = processes.slice(-2) as [ShopProcess, ShopProcess];
    const load = placeOrdersUntilStopped(front.url, ['PP-0', 'PP-1', 'PP-2', 'PP-3', 'PP-4', 'PP-5']);
    await expect.poll(() => load.placed(), { timeout: 10_000 }).toBeGreaterThan(50);

    // worker loss: SIGKILL, in the middle of whatever batch it was committing
    const killedAt = performance.now();
    await b.kill('SIGKILL');
    await expect.poll(() => shares(a), { timeout: 10_000, interval: 100 }).toEqual([32]);
    const takeoverMs = performance.now() - killedAt;
    console.log(`projector SIGKILL: its 16 partitions taken over in ${Math.round(takeoverMs)} ms (lease ttl 5 s)`);
    expect(takeoverMs).toBeLessThan(10_000);

    // fencing: a projector paused past its lease (5 s) and resumed finds its partitions taken and commits nothing
    const c = await spawnProjector();
    await expect.poll(() => shares(a, c), { timeout: 15_000, interval: 200 }).toEqual([16, 16]);
    c.child.kill('SIGSTOP');
    const stoppedAt = performance.now();
    await expect.poll(() => shares(a), { timeout: 15_000, interval: 100 }).toEqual([32]);
    console.log(`projector SIGSTOP: its partitions taken over in ${Math.round(performance.now() - stoppedAt)} ms`);
    c.child.kill('SIGCONT');
    await expect.poll(() => shares(a, c), { timeout: 15_000, interval: 200 }).toEqual([16, 16]);
    expect(c.output()).toMatch(/partition lease lost|lease round failed|batch was refused/);

    await load.stop();
    // every partition has passed the last token: the read models hold every acknowledged command
    const caughtUp = await request(queries.url, 'GET', '/api/orders?limit=1', undefined, { 'X-Min-Position': load.lastToken(), 'X-Wait-Ms': '20000' });
    expect(caughtUp.headers.get('x-consistency')).toBe('caught-up');
    await expectEqualToARebuild(database.url, database.url, load.placed());
  }, 180_000);
});
