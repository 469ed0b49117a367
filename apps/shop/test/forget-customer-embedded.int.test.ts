// Crypto-shredding on the embedded default (PGlite on disk): the master key is made once beside the data directory and
// read back at restart; forgetting redacts the SQL order summaries and search to what a build from scratch gives.
import { existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProjectionDaemon } from '@twofold/core';
import { migrate, openSqlClient, postgresProjectionStore } from '@twofold/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKeyFileOf } from '../src/backends/personal-data-vault.js';
import { shopProjections, startShop, type Shop } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';

const ada = { name: 'Ada Forgetmenot', email: 'ada.forgetmenot@example.org' };
const street = '12 Evergreen Row';
const needles = [ada.name, ada.email, street, 'forgetmenot', 'evergreen'];
const hits = (text: string): string[] => needles.filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));
const placeOrder = (base: string, orderId: string, customerId: string, customer: { name: string; email: string }, line1: string) =>
  request(base, 'POST', '/api/orders', {
    orderId,
    customerId,
    currency: 'EUR',
    lines: [{ sku: 'EM-1', quantity: 1 }],
    customer,
    shippingAddress: { line1, city: 'Leeds', postalCode: 'LS1', country: 'GB' },
  });

describe('forgetting a customer on the embedded store', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('keeps its master key beside the data directory, redacts the SQL read models to a rebuild, and refuses to start without the key', { timeout: 180_000 }, async () => {
    expect(process.env['TWOFOLD_MASTER_KEY'] ?? '').toBe('');
    const parent = mkdtempSync(join(tmpdir(), 'twofold-forget-'));
    cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
    const dir = join(parent, 'data');
    const store = `pglite:${dir}`;
    let shop: Shop | undefined = await startShop({ store, port: 0, daemon: { pollIntervalMs: 50 } });
    cleanups.push(() => shop?.close());
    const keyFile = masterKeyFileOf(dir);
    expect(keyFile).toBe(`${dir}.master-key`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const base = shop.url;
    await request(base, 'POST', '/api/products', product('EM-1', 100));
    await placeOrder(base, 'a-1', 'ada', ada, street);
    const kept = (await placeOrder(base, 'b-1', 'bea', { name: 'Bea Stays', email: 'bea@example.org' }, '3 Stays Lane')).body.position as number;
    expect((await request(base, 'GET', '/api/orders/a-1', undefined, { 'X-Min-Position': String(kept) })).body.customer).toEqual(ada);

    const forgot = await request(base, 'POST', '/api/customers/ada/forget');
    expect(forgot.status).toBe(202);
    const after = { 'X-Min-Position': String(forgot.body.position) };
    expect((await request(base, 'GET', '/api/orders/a-1', undefined, after)).body).toMatchObject({
      customer: { name: '[forgotten]', email: '[forgotten]' },
      shippingAddress: { line1: '[forgotten]', city: '[forgotten]', postalCode: '[forgotten]', country: '[forgotten]' },
      totalCents: 1_000,
    });
    expect((await request(base, 'GET', '/api/orders?q=forgetmenot', undefined, after)).body.items).toEqual([]);
    expect((await request(base, 'GET', '/api/orders?q=forgotten', undefined, after)).body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['a-1']);
    expect((await request(base, 'GET', '/api/orders/b-1', undefined, after)).body.customer.name).toBe('Bea Stays');
    const again = await request(base, 'POST', '/api/customers/ada/forget');
    expect({ ...again.body, correlationId: undefined }).toEqual({ ...forgot.body, correlationId: undefined });

    // no table of the store holds the data
    const { rows: tables } = await shop.readClient.query<{ name: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    for (const { name } of tables) {
      const { rows } = await shop.readClient.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      expect(rows.flatMap(({ row }) => hits(row)), name).toEqual([]);
    }

    // the read models equal a build from scratch of the same log
    const fresh = await openSqlClient('pglite:memory');
    cleanups.push(() => fresh.close());
    await migrate(fresh);
    const freshStore = postgresProjectionStore(fresh);
    for (const projection of shopProjections) await freshStore.prepare(projection);
    const daemon = createProjectionDaemon({ eventStore: shop.eventStore, projectionStore: freshStore, projections: shopProjections, pollIntervalMs: 20 });
    daemon.start();
    const head = (await shop.eventStore.head())!.cursor.position;
    await expect.poll(async () => (await freshStore.readCheckpoints()).filter((c) => c.cursor.position === head).length, { timeout: 60_000 }).toBe(shopProjections.length);
    await daemon.stop();
    const rowsOf = async (client: typeof fresh, table: string) => (await client.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY t::text`)).rows;
    for (const table of ['order_summaries', 'order_search', 'customer_orders']) expect(await rowsOf(fresh, table), table).toEqual(await rowsOf(shop.readClient, table));
    await freshStore.close();

    // a restart reads the key back; without the key file (and no TWOFOLD_MASTER_KEY) the store is refused
    await shop.close();
    shop = await startShop({ store, port: 0 });
    expect((await request(shop.url, 'GET', '/api/streams/order-b-1')).body.events[0].data.customer.name).toBe('Bea Stays');
    await shop.close();
    shop = undefined;
    renameSync(keyFile, `${keyFile}.moved`);
    await expect(startShop({ store, port: 0 })).rejects.toThrow(`the event store holds encrypted personal data but its key file ${keyFile} is gone`);
    expect(existsSync(keyFile)).toBe(false);
  });
});
