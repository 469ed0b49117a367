// Schema evolution in the shop: a v1 ProductRestocked (written as an older deployment did, with raw SQL) is read in
// its v2 shape by the command path, the projections and the stream history; a version newer than the code is
// refused at start.
import { openSqlClient } from '@twofold/postgres';
import { createTestDatabase } from '@twofold/testing';
import { describe, expect, it } from 'vitest';
import { startShop } from '../src/shop-server.js';
import { product, request } from './shop-fixture.js';

/** Appends a raw event as the next version of its stream, the way an older deployment's code wrote it. */
async function appendRaw(url: string, streamId: string, type: string, data: unknown, metadata: unknown = {}) {
  const client = await openSqlClient(url);
  try {
    await client.query(
      `INSERT INTO twofold_events (stream_id, stream_version, event_id, event_type, data, metadata)
       SELECT $1, coalesce(max(stream_version), 0) + 1, gen_random_uuid(), $2, $3::jsonb, $4::jsonb FROM twofold_events WHERE stream_id = $1`,
      [streamId, type, JSON.stringify(data), JSON.stringify(metadata)],
    );
  } finally {
    await client.close();
  }
}

describe('schema evolution on PostgreSQL', () => {
  it('decides, projects and shows a v1 restock in the v2 shape, writes v2, and refuses a store holding a v3 at start', async () => {
    const database = await createTestDatabase();
    try {
      let shop = await startShop({ store: database.url, port: 0, daemon: { pollIntervalMs: 50 } });
      expect((await request(shop.url, 'POST', '/api/products', product('EVO-1', 0))).status).toBe(202);
      await shop.close();
      // an older deployment restocked 5, in v1's shape
      await appendRaw(database.url, 'product-EVO-1', 'ProductRestocked', { sku: 'EVO-1', quantity: 5 });

      shop = await startShop({ store: database.url, port: 0, daemon: { pollIntervalMs: 50 } });
      try {
        // the command path folds the v1 event: 5 in stock, so 5 can be ordered and a 6th cannot
        const order = (orderId: string, quantity: number) =>
          request(shop.url, 'POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'EVO-1', quantity }] });
        expect((await order('evo-too-many', 6)).status).toBe(422);
        const placed = await order('evo-1', 5);
        expect(placed.status).toBe(202);
        const restocked = await request(shop.url, 'POST', '/api/products/EVO-1/restock', { quantity: 2 });
        expect(restocked.status).toBe(202);
        // the projection read both restocks in the current shape
        const catalog = await request(shop.url, 'GET', '/api/products?q=EVO-1', undefined, { 'X-Min-Position': String(restocked.body.position), 'X-Wait-Ms': '10000' });
        expect(catalog.body.items).toMatchObject([{ sku: 'EVO-1', stockOnHand: 7, reserved: 5, available: 2 }]);
        // the history shows the current shape, with the version each is read at
        const history = await request(shop.url, 'GET', '/api/streams/product-EVO-1');
        const restocks = history.body.events.filter((event: { type: string }) => event.type === 'ProductRestocked');
        expect(restocks.map((event: { data: unknown }) => event.data)).toEqual([
          { sku: 'EVO-1', added: 5 },
          { sku: 'EVO-1', added: 2 },
        ]);
      } finally {
        await shop.close();
      }
      // and what was written is v2, in v2's shape
      const client = await openSqlClient(database.url);
      try {
        const { rows } = await client.query<{ data: unknown; metadata: { schemaVersion?: number } }>(
          `SELECT data, metadata FROM twofold_events WHERE event_type = 'ProductRestocked' ORDER BY global_position`,
        );
        expect(rows.map((row) => [row.data, row.metadata.schemaVersion])).toEqual([
          [{ sku: 'EVO-1', quantity: 5 }, undefined],
          [{ sku: 'EVO-1', added: 2 }, 2],
        ]);
      } finally {
        await client.close();
      }

      // a newer deployment wrote a v3: this code refuses to start rather than misread it
      await appendRaw(database.url, 'product-EVO-1', 'ProductRestocked', { sku: 'EVO-1', units: 1 }, { schemaVersion: 3 });
      await expect(startShop({ store: database.url, port: 0 })).rejects.toThrow(/ProductRestocked v3/);
    } finally {
      await database.drop();
    }
  });
});
