// A query process reading the read models from a PostgreSQL streaming replica (a primary and a hot standby of the
// test's own, Debian's PostgreSQL 15): checkpoints, partition rows included, replicate with the rows they describe, so
// a token the query process finds reached on the replica is always reflected there.
import { openSqlClient } from '@twofold/postgres';
import { startNatsServers, type NatsTestServers } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresPair, type PostgresPair } from './postgres-replica.js';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

describe('a query process on a streaming replica', () => {
  let pair: PostgresPair;
  let nats: NatsTestServers;
  const processes: ShopProcess[] = [];
  beforeAll(async () => {
    [pair, nats] = await Promise.all([startPostgresPair(), startNatsServers({ nodes: 1 })]);
    const admin = await openSqlClient(pair.primaryUrl('postgres'));
    await admin.query('CREATE DATABASE shop');
    await admin.close();
  }, 90_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await nats?.stop();
    await pair?.stop();
  });

  it('answers with the token of a command served by another process, exactly, from the replica', async () => {
    const env = { LOG_LEVEL: 'warn' };
    const primary = pair.primaryUrl('shop');
    const front = await spawnShop(['--store', primary, '--role', 'command,relay', '--bus', nats.urls], env);
    processes.push(front);
    processes.push(await spawnShop(['--store', primary, '--role', 'projector', '--bus', nats.urls], env));
    const standby = await openSqlClient(pair.replicaUrl('shop'));
    expect((await standby.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby')).rows[0]!.standby).toBe(true);
    // the schema reaches the replica with the rest
    await expect.poll(async () => (await standby.query<{ n: string }>("SELECT count(*) AS n FROM twofold_partition_checkpoints").catch(() => ({ rows: [{ n: '0' }] }))).rows[0]!.n, { timeout: 20_000 }).toBe('32');
    await standby.close();
    const queries = await spawnShop(['--store', primary, '--read-store', pair.replicaUrl('shop'), '--role', 'query'], env);
    processes.push(queries);
    // a projector on a standby is refused before it starts
    await expect(spawnShop(['--store', primary, '--read-store', pair.replicaUrl('shop'), '--role', 'projector'], env)).rejects.toThrow(/standby/);

    for (let s = 0; s < 3; s++) expect((await request(front.url, 'POST', '/api/products', product(`RP-${s}`, 1_000))).status).toBe(202);
    const waits: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 30; i++) {
      const orderId = `replica-${i}`;
      const placed = await request(front.url, 'POST', '/api/orders', { orderId, customerId: 'c-1', currency: 'EUR', lines: [{ sku: `RP-${i % 3}`, quantity: 1 }] });
      expect(placed.status).toBe(202);
      const t = performance.now();
      const read = await request(queries.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': placed.headers.get('x-position')! });
      waits.push(performance.now() - t);
      expect(read.status, `order ${orderId} with its token, from the replica`).toBe(200);
      expect(read.headers.get('x-consistency')).toBe('caught-up');
      const paid = await request(front.url, 'POST', `/api/orders/${orderId}/pay`, { amountCents: 1_000, paymentRef: `p-${i}` });
      expect(paid.status).toBe(202);
      const after = await request(queries.url, 'GET', `/api/orders/${orderId}`, undefined, { 'X-Min-Position': paid.headers.get('x-position')! });
      expect(after.body).toMatchObject({ orderId, status: 'paid' });
    }
    waits.sort((a, b) => a - b);
    console.log(`read own write from the replica: 30 orders placed, read, paid, read in ${Math.round(performance.now() - started)} ms; read with token p50 ${Math.round(waits[15]!)} ms, max ${Math.round(waits[29]!)} ms`);
    const catalog = await request(queries.url, 'GET', '/api/products?q=RP-1');
    expect(catalog.status).toBe(200);
  }, 180_000);
});
