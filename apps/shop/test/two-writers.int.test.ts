// Two `twofold serve` processes taking orders for the same few products at once, each with its own state
// cache: the store's version checks keep them honest. No oversell, every 202 in the log exactly once.
import { createTestDatabase, type TestDatabase } from '@twofold/testing';
import { openSqlClient } from '@twofold/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { product, request, type Reply } from './shop-fixture.js';
import { spawnShop, type ShopProcess } from './spawn-shop.js';

const skus = ['TW-1', 'TW-2', 'TW-3'];
const initialStock = 150;
const clientsPerProcess = 12;
const ordersPerClient = 25;

interface Sent {
  readonly kind: 'order' | 'restock' | 'cancel';
  readonly orderId?: string;
  readonly sku: string;
  readonly quantity: number;
  readonly reply: Reply;
}

describe('two processes ordering the same products on one PostgreSQL', () => {
  let database: TestDatabase;
  let shops: ShopProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    // no projector: this is about the write side, and the log is checked directly
    shops = await Promise.all([0, 1].map(() => spawnShop(['--store', database.url, '--role', 'command'], { LOG_LEVEL: 'warn' })));
  });
  afterAll(async () => {
    await Promise.all(shops.map((shop) => shop.kill('SIGKILL')));
    await database?.drop();
  });

  it('never oversells, and every acknowledged order is in the log exactly once with the position it was answered with', async () => {
    for (const sku of skus) expect((await request(shops[0]!.url, 'POST', '/api/products', product(sku, initialStock))).status).toBe(202);
    const sent: Sent[] = [];
    await Promise.all(
      shops.flatMap((shop, s) =>
        Array.from({ length: clientsPerProcess }, async (_, c) => {
          for (let i = 0; i < ordersPerClient; i++) {
            const sku = skus[(s + c + i) % skus.length]!;
            const quantity = 1 + ((c + i) % 3);
            if (i % 10 === 9) {
              const reply = await request(shop.url, 'POST', `/api/products/${sku}/restock`, { quantity: 5 });
              sent.push({ kind: 'restock', sku, quantity: 5, reply });
              continue;
            }
            const orderId = `tw-${s}-${c}-${i}`;
            const reply = await request(shop.url, 'POST', '/api/orders', { orderId, customerId: `c-${c}`, currency: 'EUR', lines: [{ sku, quantity }] });
            sent.push({ kind: 'order', orderId, sku, quantity, reply });
            // some accepted orders are cancelled through the other process, which then releases through a stale cache
            if (reply.status === 202 && i % 7 === 3) {
              const other = shops[1 - s]!;
              const cancel = await request(other.url, 'POST', `/api/orders/${orderId}/cancel`, { reason: 'changed my mind' });
              sent.push({ kind: 'cancel', orderId, sku, quantity, reply: cancel });
            }
          }
        }),
      ),
    );

    // every answer is a decision: accepted, or refused for stock; nothing failed and nothing ran out of retries
    const statuses = new Map<number, number>();
    for (const { reply } of sent) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    expect([...statuses.keys()].every((status) => status === 202 || status === 422), JSON.stringify([...statuses])).toBe(true);
    expect(sent.filter((s) => s.reply.status === 422).every((s) => s.reply.body.error.code === 'insufficient_stock')).toBe(true);

    const client = await openSqlClient(database.url);
    try {
      const { rows } = await client.query<{ stream_id: string; event_type: string; data: { orderId?: string; quantity?: number; added?: number }; global_position: string }>(
        `SELECT stream_id, event_type, data, global_position FROM twofold_events ORDER BY global_position`,
      );
      const placed = rows.filter((row) => row.event_type === 'OrderPlaced');
      const acceptedOrders = sent.filter((s) => s.kind === 'order' && s.reply.status === 202);
      // each acknowledged order exactly once, at the position its 202 named; and no order the clients were refused
      expect(placed.map((row) => row.data.orderId).sort()).toEqual(acceptedOrders.map((s) => s.orderId).sort());
      // the token is the command's own last event: its order placed and its reservation, nothing later
      for (const order of acceptedOrders) {
        const own = rows.filter((r) => r.data.orderId === order.orderId && (r.event_type === 'OrderPlaced' || r.event_type === 'StockReserved'));
        expect(own).toHaveLength(2);
        expect(Math.max(...own.map((r) => Number(r.global_position)))).toBe(order.reply.body.position);
      }
      for (const sku of skus) {
        const ofSku = (kind: Sent['kind']) => sent.filter((s) => s.sku === sku && s.kind === kind && s.reply.status === 202).reduce((sum, s) => sum + s.quantity, 0);
        const events = rows.filter((row) => row.stream_id === `product-${sku}`);
        const total = (type: string) => events.filter((e) => e.event_type === type).reduce((sum, e) => sum + (e.data.quantity ?? e.data.added ?? 0), 0);
        const onHand = initialStock + total('ProductRestocked');
        const held = total('StockReserved') - total('StockReleased');
        expect(total('ProductRestocked')).toBe(ofSku('restock'));
        expect(total('StockReserved')).toBe(ofSku('order'));
        expect(total('StockReleased')).toBe(ofSku('cancel'));
        // stock equals restocks minus live reservations, and is never oversold
        expect(held).toBeLessThanOrEqual(onHand);
        expect(new Set(events.map((e) => e.global_position)).size).toBe(events.length);
      }
    } finally {
      await client.close();
    }
  });
});
