// Crypto-shredding end to end (issue 15): `twofold serve` on PostgreSQL with order summaries in Redis and a master key;
// after POST /api/customers/:id/forget no table, Redis key or value, API answer or log line holds the customer's name,
// email or street, the history still replays, every read model equals a build from scratch, and a repeat is a no-op.
import { randomBytes } from 'node:crypto';
import { createProjectionDaemon, type EventStore } from '@twofold/core';
import { migrate, newMasterKey, openSqlClient, parseMasterKey, postgresEventStore, postgresPersonalDataVault, postgresProjectionStore, type PostgresClient } from '@twofold/postgres';
import { createRedisClient, redisProjectionStore, type Redis } from '@twofold/redis';
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shopEventStore } from '../src/domain/event-schemas.js';
import { redisOrderSummaries } from '../src/projections/index.js';
import { sqlProjectionsOf } from '../src/backends/shop-stores.js';
import { startShop } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const redisUrl = process.env['TWOFOLD_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const zelda = { name: 'Zelda Forgetmenot', email: 'zelda.forgetmenot@example.org' };
const zeldasStreet = '742 Evergreen Terrace';
/** What must be gone: the name, the email, the street, and their most telling words (a search index keeps words). */
const needles = [zelda.name, zelda.email, zeldasStreet, 'forgetmenot', 'evergreen'];
const otto = { name: 'Otto Keepington', email: 'otto@example.org' };

const address = (line1: string) => ({ line1, city: 'Springfield', postalCode: '49007', country: 'US' });
const order = (orderId: string, customerId: string, customer: { name: string; email: string }, line1: string) => ({
  orderId,
  customerId,
  currency: 'EUR',
  lines: [{ sku: 'FG-1', quantity: 2 }],
  customer,
  shippingAddress: address(line1),
});

const hits = (text: string): string[] => needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));

/** Every row of every table of every schema of the database (the log, key table, read models, checkpoints …) that holds a needle. */
async function tableHits(client: PostgresClient): Promise<string[]> {
  const { rows: tables } = await client.query<{ schema: string; table: string }>(
    `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['twofold_events', 'twofold_personal_data_keys', 'order_search', 'customer_orders']));
  const found: string[] = [];
  for (const { schema, table } of tables) {
    const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${table}" t`);
    for (const { row } of rows) for (const needle of hits(row)) found.push(`${schema}.${table}: ${needle}`);
  }
  return found;
}

/** Every key under the prefix, and its value whatever its type, that holds a needle. */
async function redisHits(redis: Redis, keyPrefix: string): Promise<{ keys: number; found: string[] }> {
  const found: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      keys++;
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
        : `unknown type ${type}`;
      for (const needle of hits(`${key} ${value}`)) found.push(`${key}: ${needle}`);
    }
  } while (cursor !== '0');
  return { keys, found };
}

async function dropNamespace(redis: Redis, keyPrefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** The rows of a read model's table as its queries read it (by its unqualified name), in a stable order. */
async function tableRows(client: PostgresClient, table: string): Promise<unknown[]> {
  const { rows } = await client.query(`SELECT to_jsonb(t) AS row FROM "${table}" t ORDER BY t::text`);
  return rows.map((row) => row['row']);
}

async function caughtUp(base: string, position: number): Promise<void> {
  await expect
    .poll(async () => ((await request(base, 'GET', '/api/projections')).body.projections as { position: number }[]).every((p) => p.position >= position), { timeout: 30_000, interval: 100 })
    .toBe(true);
}

describe('forgetting a customer (crypto-shredding)', () => {
  let redis: Redis;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(() => {
    redis = createRedisClient(redisUrl);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function database(): Promise<TestDatabase> {
    const db = await createTestDatabase(undefined, { label: 'forget' });
    cleanups.push(() => db.drop());
    return db;
  }

  it('leaves no trace of the customer in tables, Redis, answers or logs; the history replays and equals a rebuild; a repeat is a no-op', { timeout: 180_000 }, async () => {
    const db = await database();
    const masterKey = newMasterKey();
    const keyPrefix = `twofold-test-forget:${randomBytes(5).toString('hex')}:`;
    cleanups.push(() => dropNamespace(redis, keyPrefix));
    let shop: ShopProcess | undefined = await spawnShop(['--store', db.url, '--kv', redisUrl, '--kv-prefix', keyPrefix], { TWOFOLD_MASTER_KEY: masterKey, LOG_LEVEL: 'debug' });
    cleanups.push(() => shop?.kill() ?? Promise.resolve());
    const base = shop.url;

    expect((await request(base, 'POST', '/api/products', product('FG-1', 1_000))).status).toBe(202);
    expect((await request(base, 'POST', '/api/orders', order('z-1', 'zelda', zelda, zeldasStreet))).status).toBe(202);
    const zeldaPaid = await request(base, 'POST', '/api/orders', order('z-2', 'zelda', zelda, zeldasStreet));
    expect((await request(base, 'POST', '/api/orders/z-2/pay', { amountCents: 2_000, paymentRef: 'pay-z-2' })).status).toBe(202);
    const beforeForget = (await request(base, 'POST', '/api/orders', order('o-1', 'otto', otto, '1 Stays Street'))).body.position as number;
    await caughtUp(base, beforeForget);

    const client = await openSqlClient(db.url);
    cleanups.push(() => client.close());
    // sealed from the start: the log and the key table never held the data, while the read models and answers do
    const { rows: logRows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM twofold_events t`);
    expect(logRows.flatMap(({ row }) => hits(row))).toEqual([]);
    expect((await request(base, 'GET', '/api/orders/z-1')).body.customer).toEqual(zelda);
    expect(JSON.stringify((await request(base, 'GET', '/api/streams/order-z-1')).body)).toContain(zeldasStreet);
    expect(JSON.stringify((await request(base, 'GET', '/api/orders?q=zelda')).body)).toContain('Forgetmenot');
    expect((await tableHits(client)).length).toBeGreaterThan(0);
    expect((await redisHits(redis, keyPrefix)).found.length).toBeGreaterThan(0);

    const forgot = await request(base, 'POST', '/api/customers/zelda/forget');
    expect(forgot.status).toBe(202);
    expect(forgot.body).toMatchObject({ streamId: 'customer-zelda', streamVersion: 1 });
    const forgottenAt = forgot.body.position as number;
    await caughtUp(base, forgottenAt);

    // the read models, the search index, every answer
    expect((await request(base, 'GET', '/api/orders/z-1')).body).toMatchObject({
      customer: { name: '[forgotten]', email: '[forgotten]' },
      shippingAddress: { line1: '[forgotten]', city: '[forgotten]', postalCode: '[forgotten]', country: '[forgotten]' },
      // the audit trail keeps the rest
      customerId: 'zelda',
      totalCents: 2_000,
      status: 'placed',
    });
    expect((await request(base, 'GET', '/api/orders/z-2')).body).toMatchObject({ status: 'paid', totalCents: 2_000, paymentRef: 'pay-z-2' });
    expect((await request(base, 'GET', '/api/orders/o-1')).body.customer).toEqual(otto);
    const answers = await Promise.all(
      [
        '/api/orders/z-1',
        '/api/orders/z-2',
        `/api/orders/z-2?at=${zeldaPaid.body.position}`,
        '/api/orders?q=forgetmenot',
        '/api/orders?q=evergreen',
        '/api/orders?customerId=zelda',
        '/api/customers/zelda/orders',
        '/api/streams/order-z-1',
        '/api/streams/order-z-2',
        '/api/streams/customer-zelda',
      ].map(async (path) => ({ path, reply: await request(base, 'GET', path) })),
    );
    for (const { path, reply } of answers) {
      expect(reply.status, path).toBe(200);
      expect(hits(JSON.stringify(reply.body)), path).toEqual([]);
    }
    expect(JSON.stringify((await request(base, 'GET', '/api/orders?q=forgetmenot')).body)).not.toContain('z-');
    // the history still replays: every event is there, amounts and times kept, personal fields redacted
    const history = (await request(base, 'GET', '/api/streams/order-z-2')).body;
    expect(JSON.stringify(history)).toContain('[forgotten]');
    expect(JSON.stringify(history)).toContain('pay-z-2');
    expect((await request(base, 'GET', `/api/orders/z-2?at=${zeldaPaid.body.position}`)).body).toMatchObject({ status: 'placed', customer: { name: '[forgotten]' } });

    // a repeat: the same answer, nothing appended
    const again = await request(base, 'POST', '/api/customers/zelda/forget');
    expect(again.status).toBe(forgot.status);
    expect({ ...again.body, correlationId: undefined }).toEqual({ ...forgot.body, correlationId: undefined });
    expect((await client.query(`SELECT count(*)::int AS n FROM twofold_events WHERE event_type = 'CustomerForgotten'`)).rows).toEqual([{ n: 1 }]);

    // the databases: every table of the test database (the log included), every Redis key and value of the deployment
    expect(await tableHits(client)).toEqual([]);
    const inRedis = await redisHits(redis, keyPrefix);
    expect(inRedis.keys).toBeGreaterThan(0);
    expect(inRedis.found).toEqual([]);

    // every read model equals a build from scratch of the same log, in a database and a Redis namespace of their own
    const events: EventStore = shopEventStore(postgresEventStore(client), postgresPersonalDataVault(client, { masterKey: parseMasterKey(masterKey) }));
    const fresh = await database();
    const freshClient = await openSqlClient(fresh.url);
    cleanups.push(() => freshClient.close());
    await migrate(freshClient);
    const freshPrefix = `twofold-test-forget:${randomBytes(5).toString('hex')}:`;
    cleanups.push(() => dropNamespace(redis, freshPrefix));
    const projections = sqlProjectionsOf(client, client, { keyValue: true, sealed: true });
    const freshSql = postgresProjectionStore(freshClient);
    const freshRedis = redisProjectionStore(redis, { keyPrefix: freshPrefix });
    for (const projection of projections) await freshSql.prepare(projection);
    await freshRedis.prepare(redisOrderSummaries);
    const daemons = [
      createProjectionDaemon({ eventStore: events, projectionStore: freshSql, projections, pollIntervalMs: 50 }),
      createProjectionDaemon({ eventStore: events, projectionStore: freshRedis, projections: [redisOrderSummaries], pollIntervalMs: 50 }),
    ];
    daemons.forEach((daemon) => daemon.start());
    const head = (await events.head())!.cursor.position;
    await expect
      .poll(async () => [...(await freshSql.readCheckpoints()), ...(await freshRedis.readCheckpoints())].filter((c) => c.cursor.position === head).length, { timeout: 30_000 })
      .toBe(projections.length + 1);
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    for (const table of projections.flatMap((projection) => projection.tables ?? [])) {
      expect(await tableRows(freshClient, table), table).toEqual(await tableRows(client, table));
    }
    const liveRedis = redisProjectionStore(redis, { keyPrefix });
    const keys = ['order:z-1', 'order:z-2', 'order:o-1', 'customer-orders:zelda', 'customer-orders:otto'];
    const liveValues = await liveRedis.reader(redisOrderSummaries.name).mget(keys);
    expect(liveValues.every((value) => value !== undefined)).toBe(true);
    expect(await freshRedis.reader(redisOrderSummaries.name).mget(keys)).toEqual(liveValues);
    await liveRedis.close();
    await freshSql.close();
    await freshRedis.close();
    await pause(200);

    // and the log output of the server, from its start (debug level) to now
    const output = shop.output();
    expect(output).toContain('/api/customers/zelda/forget');
    // but for the lines of this test's own searches for the forgotten words (debug logs each request's URL)
    const searchedFor = /q=(forgetmenot|evergreen)/;
    const searches = output.split('\n').filter((line) => searchedFor.test(line));
    expect(searches.length).toBeGreaterThan(0);
    for (const line of searches) expect(JSON.parse(line)).toMatchObject({ url: expect.stringMatching(/^\/api\/orders\?q=(forgetmenot|evergreen)$/) });
    expect(hits(output.split('\n').filter((line) => !searchedFor.test(line)).join('\n'))).toEqual([]);

    // a store with sealed data refuses to start without its master key, or with another one
    await shop.kill();
    shop = undefined;
    await expect(spawnShop(['--store', db.url], { TWOFOLD_MASTER_KEY: '' })).rejects.toThrow(/holds encrypted personal data but TWOFOLD_MASTER_KEY is not set/);
    await expect(spawnShop(['--store', db.url], { TWOFOLD_MASTER_KEY: newMasterKey() })).rejects.toThrow(/does not open/);
  });

  it('refuses to forget where personal data is stored in clear (PostgreSQL without a master key), saying why', { timeout: 60_000 }, async () => {
    expect(process.env['TWOFOLD_MASTER_KEY'] ?? '').toBe('');
    const db = await database();
    const shop = await startShop({ store: db.url, port: 0 });
    cleanups.push(() => shop.close());
    const refused = await request(shop.url, 'POST', '/api/customers/c-1/forget');
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'personal_data_not_encrypted', message: expect.stringMatching(/TWOFOLD_MASTER_KEY/) });
    expect((await request(shop.url, 'POST', '/api/customers/not%20an%20id/forget')).status).toBe(400);
  });
});
