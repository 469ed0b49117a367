// Concurrent commands over HTTP: stock is never oversold, and only one of many payments of one order succeeds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

describe.each(backends)('concurrent commands on $name', (backend) => {
  let running: RunningShop;
  beforeAll(async () => {
    running = await backend.start();
  });
  afterAll(() => running?.stop());

  it('50 concurrent orders for a product with stock 10: exactly 10 accepted, 40 refused for stock, and a cancel gives one back', async () => {
    const base = running.url;
    expect((await request(base, 'POST', '/api/products', product('LAST-10', 10))).status).toBe(202);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(base, 'POST', '/api/orders', { orderId: `race-${i}`, customerId: `c-${i}`, currency: 'EUR', lines: [{ sku: 'LAST-10', quantity: 1 }] }),
      ),
    );
    const accepted = replies.filter((r) => r.status === 202);
    const refused = replies.filter((r) => r.status === 422);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(refused.every((r) => r.body.error.code === 'insufficient_stock')).toBe(true);

    const token = Math.max(...accepted.map((r) => r.body.position as number));
    const catalog = await request(base, 'GET', '/api/products?q=LAST-10', undefined, { 'X-Min-Position': String(token) });
    expect(catalog.headers.get('x-consistency')).toBe('caught-up');
    expect(catalog.body.items).toMatchObject([{ sku: 'LAST-10', stockOnHand: 10, reserved: 10, available: 0 }]);

    const winner = accepted[0]!.body.streamId.replace(/^order-/, '');
    const cancel = await request(base, 'POST', `/api/orders/${winner}/cancel`, { reason: 'changed my mind' });
    expect(cancel.status).toBe(202);
    const after = await request(base, 'GET', '/api/products?q=LAST-10', undefined, { 'X-Min-Position': String(cancel.body.position) });
    expect(after.body.items).toMatchObject([{ sku: 'LAST-10', available: 1 }]);
  });

  it('20 concurrent payments of one order: exactly one 202, the rest 409', async () => {
    const base = running.url;
    await request(base, 'POST', '/api/products', product('PAY-1', 5, 2_500));
    const placed = await request(base, 'POST', '/api/orders', { orderId: 'pay-race', customerId: 'c-1', currency: 'EUR', lines: [{ sku: 'PAY-1', quantity: 2 }] });
    expect(placed.status).toBe(202);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(base, 'POST', '/api/orders/pay-race/pay', { amountCents: 5_000, paymentRef: `pay-${i}` })),
    );
    expect(replies.filter((r) => r.status === 202)).toHaveLength(1);
    const conflicts = replies.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(19);
    expect(conflicts.every((r) => ['illegal_transition', 'version_conflict'].includes(r.body.error.code))).toBe(true);
    const history = await request(base, 'GET', '/api/streams/order-pay-race');
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['OrderPlaced', 'OrderPaid']);
  });
});
