// Regressions from issue 11's minor findings, over HTTP: an order that could never be paid is refused at placement; a projection
// name from the request is never found on Object.prototype.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limits } from '../src/domain/limits.js';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

describe.each(backends)('issue 11 minor findings on $name', (backend) => {
  let running: RunningShop;
  beforeAll(async () => {
    running = await backend.start();
  });
  afterAll(() => running?.stop());

  it('an order of 200,000,000,000 cents is refused at placement (400 naming lines), and changes nothing', async () => {
    expect((await request(running.url, 'POST', '/api/products', product('BIG-1', 10, limits.maxAmountCents))).status).toBe(202);
    const order = await request(running.url, 'POST', '/api/orders', { orderId: 'big-1', customerId: 'c', currency: 'EUR', lines: [{ sku: 'BIG-1', quantity: 2 }] });
    expect(order.status).toBe(400);
    expect(order.body.error.details).toMatchObject({ field: 'lines' });
    expect((await request(running.url, 'GET', '/api/streams/order-big-1')).status).toBe(404);
    const reservations = (await request(running.url, 'GET', '/api/streams/product-BIG-1')).body.events.filter((e: { type: string }) => e.type === 'StockReserved');
    expect(reservations).toEqual([]);
  });

  it('an order at the bound is placed and can be paid: placement and payment share one bound', async () => {
    await request(running.url, 'POST', '/api/products', product('BIG-2', 10, limits.maxAmountCents));
    const order = await request(running.url, 'POST', '/api/orders', { orderId: 'big-2', customerId: 'c', currency: 'EUR', lines: [{ sku: 'BIG-2', quantity: 1 }] });
    expect(order.status).toBe(202);
    const paid = await request(running.url, 'POST', '/api/orders/big-2/pay', { amountCents: limits.maxAmountCents, paymentRef: 'p-1' });
    expect(paid.status).toBe(202);
  });

  it.each(['hasOwnProperty', 'constructor', '__proto__', 'toString', 'valueOf'])('GET /api/projections/%s/dead-letters is a 404', async (name) => {
    const reply = await request(running.url, 'GET', `/api/projections/${name}/dead-letters`);
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe('not_found');
    expect((await request(running.url, 'POST', `/api/projections/${name}/rebuild`)).status).toBe(404);
  });
});
