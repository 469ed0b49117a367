// Personal data through the bus (issues 14 and 15): `twofold serve` processes on PostgreSQL with a master key, a
// command+relay+query process and a projector process with `--bus` (one nats-server of the test's own). The relay
// publishes the log as stored (sealed); the partition workers open it as they apply, so the partitioned read models
// answer the clear data and hold no envelope; after POST /api/customers/:id/forget the orders read "[forgotten]"
// there too, and no table of the database nor message of the stream holds the customer's name, email or street.
import { newMasterKey, openSqlClient } from '@twofold/postgres';
import { readRelayedEvents } from '@twofold/nats';
import { createTestDatabase, startNatsServers, type NatsTestServers, type TestDatabase } from '@twofold/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const zelda = { name: 'Zelda Forgetmenot', email: 'zelda.forgetmenot@example.org' };
const zeldasStreet = '742 Evergreen Terrace';
const needles = [zelda.name, zelda.email, zeldasStreet, 'forgetmenot', 'evergreen'];
const otto = { name: 'Otto Keepington', email: 'otto@example.org' };
const hits = (text: string): string[] => needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));
const address = (line1: string) => ({ line1, city: 'Springfield', postalCode: '49007', country: 'US' });
const order = (orderId: string, customerId: string, customer: { name: string; email: string }, line1: string) => ({
  orderId,
  customerId,
  currency: 'EUR',
  lines: [{ sku: 'PD-1', quantity: 2 }],
  customer,
  shippingAddress: address(line1),
});
const forgotten = { name: '[forgotten]', email: '[forgotten]' };

describe('personal data through the relay and partitioned projectors', () => {
  let nats: NatsTestServers;
  let database: TestDatabase;
  const processes: ShopProcess[] = [];
  beforeAll(async () => {
    [nats, database] = await Promise.all([startNatsServers({ nodes: 1 }), createTestDatabase(undefined, { label: 'partition-personal' })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await database?.drop();
    await nats?.stop();
  });

  it('the partitioned read models answer the opened data, hold no envelope, and read [forgotten] after a forget', { timeout: 120_000 }, async () => {
    const env = { TWOFOLD_MASTER_KEY: newMasterKey(), LOG_LEVEL: 'warn' };
    const front = await spawnShop(['--store', database.url, '--role', 'command,relay,query', '--bus', nats.urls], env);
    processes.push(front);
    const projector = await spawnShop(['--store', database.url, '--role', 'projector', '--bus', nats.urls], env);
    processes.push(projector);
    const base = front.url;
    const withToken = (path: string, token: number) => request(base, 'GET', path, undefined, { 'X-Min-Position': String(token), 'X-Wait-Ms': '20000' });

    expect((await request(base, 'POST', '/api/products', product('PD-1', 1_000))).status).toBe(202);
    const placed = [];
    for (const [id, customerId, customer, street] of [['z-1', 'zelda', zelda, zeldasStreet], ['z-2', 'zelda', zelda, zeldasStreet], ['o-1', 'otto', otto, '1 Stays Street']] as const) {
      const reply = await request(base, 'POST', '/api/orders', order(id, customerId, customer, street));
      expect(reply.status, JSON.stringify(reply.body)).toBe(202);
      placed.push(reply.body.position as number);
    }
    const token = Math.max(...placed);

    // opened at apply time: the clear data in the answers, by id and by search
    const z1 = await withToken('/api/orders/z-1', token);
    expect(z1.headers.get('x-consistency')).toBe('caught-up');
    expect(z1.body).toMatchObject({ customer: zelda, shippingAddress: address(zeldasStreet), customerId: 'zelda', totalCents: 2_000 });
    const search = await withToken('/api/orders?q=forgetmenot', token);
    expect(search.headers.get('x-consistency')).toBe('caught-up');
    expect(search.body.items.map((o: { orderId: string }) => o.orderId).sort()).toEqual(['z-1', 'z-2']);
    expect((await withToken('/api/orders/o-1', token)).body.customer).toEqual(otto);

    // the partitioned read models were built over the bus, and hold clear data, no envelopes
    const client = await openSqlClient(database.url);
    try {
      const projections = (await request(base, 'GET', '/api/projections')).body.projections as { name: string; partitions?: { owner: string | null }[] }[];
      const summaries = projections.find((p) => p.name === 'orderSummaries')!;
      expect(summaries.partitions).toHaveLength(32);
      expect(summaries.partitions!.every((p) => p.owner?.includes(` pid ${projector.child.pid} `))).toBe(true);
      const rowsOf = async (table: string): Promise<string[]> => (await client.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`)).rows.map((r) => r.row);
      for (const table of ['order_summaries', 'order_search']) {
        const rows = await rowsOf(table);
        expect(rows.length, table).toBeGreaterThanOrEqual(3);
        expect(rows.filter((row) => row.includes('$sealed')), table).toEqual([]);
        expect(rows.some((row) => hits(row).length > 0), table).toBe(true);
      }
      // the log and the stream hold the data sealed only
      expect((await rowsOf('twofold_events')).flatMap(hits)).toEqual([]);
      const messages = await readRelayedEvents({ servers: nats.urls });
      expect(messages.length).toBeGreaterThanOrEqual(4);
      expect(JSON.stringify(messages.map((m) => m.event))).toContain('$sealed');
      expect(hits(JSON.stringify(messages.map((m) => m.event)))).toEqual([]);

      // forget: the key is deleted, CustomerForgotten redacts the partitioned read models too
      const forgot = await request(base, 'POST', '/api/customers/zelda/forget');
      expect(forgot.status, JSON.stringify(forgot.body)).toBe(202);
      const forgottenAt = forgot.body.position as number;
      const after = await withToken('/api/orders/z-1', forgottenAt);
      expect(after.headers.get('x-consistency')).toBe('caught-up');
      expect(after.body).toMatchObject({
        customer: forgotten,
        shippingAddress: { line1: '[forgotten]', city: '[forgotten]', postalCode: '[forgotten]', country: '[forgotten]' },
        customerId: 'zelda',
        totalCents: 2_000,
      });
      expect((await withToken('/api/orders/z-2', forgottenAt)).body.customer).toEqual(forgotten);
      expect((await withToken('/api/orders/o-1', forgottenAt)).body.customer).toEqual(otto);
      const searchAfter = await withToken('/api/orders?q=forgetmenot', forgottenAt);
      expect(searchAfter.headers.get('x-consistency')).toBe('caught-up');
      expect(searchAfter.body.items).toEqual([]);
      // every read model (partitioned and single-worker) once the projector's daemon also passed the forget
      await expect
        .poll(async () => ((await request(base, 'GET', '/api/projections')).body.projections as { position: number }[]).every((p) => p.position >= forgottenAt), { timeout: 30_000, interval: 200 })
        .toBe(true);
      const { rows: tables } = await client.query<{ schema: string; table: string }>(
        `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['order_summaries', 'order_search', 'customer_orders', 'twofold_partition_checkpoints']));
      const found: string[] = [];
      for (const { schema, table } of tables) for (const row of await rowsOf(`"${schema}"."${table}"`)) for (const needle of hits(row)) found.push(`${schema}.${table}: ${needle}`);
      expect(found).toEqual([]);
      // a new order of another customer still reads in clear: the partitions carry on after the forget
      const later = await request(base, 'POST', '/api/orders', order('o-2', 'otto', otto, '1 Stays Street'));
      expect(later.status).toBe(202);
      expect((await withToken('/api/orders/o-2', later.body.position as number)).body.customer).toEqual(otto);
    } finally {
      await client.close();
    }
    expect(projector.output()).not.toMatch(/"level":(50|60)/);
  });
});
