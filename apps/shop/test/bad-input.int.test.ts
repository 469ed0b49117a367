// Bad input gets a clear 4xx in the JSON error shape and changes nothing: the head of the log stays where it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const order = (lines: unknown, extra: Record<string, unknown> = {}) => ({ customerId: 'c-1', currency: 'EUR', lines, ...extra });

const cases: readonly { name: string; method: string; path: string; body?: unknown; status: number; code?: string; field?: string }[] = [
  { name: 'malformed JSON', method: 'POST', path: '/api/orders', body: '{"customerId": "c-1", ', status: 400, code: 'invalid_json' },
  { name: 'missing fields', method: 'POST', path: '/api/orders', body: { customerId: 'c-1' }, status: 400, code: 'invalid_input' },
  { name: 'wrong type (quantity as string)', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: '2' }]), status: 400 },
  { name: 'negative quantity', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: -1 }]), status: 400 },
  { name: 'fractional quantity', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: 1.5 }]), status: 400 },
  { name: 'zero quantity', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: 0 }]), status: 400 },
  { name: 'no lines', method: 'POST', path: '/api/orders', body: order([]), status: 400 },
  { name: 'unknown sku', method: 'POST', path: '/api/orders', body: order([{ sku: 'NOPE-404', quantity: 1 }]), status: 422, code: 'unknown_product' },
  { name: 'mixed currency', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: 1 }], { currency: 'USD' }), status: 422 },
  { name: 'unknown field', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: 1 }], { discount: 100 }), status: 400 },
  { name: 'array instead of object', method: 'POST', path: '/api/orders', body: '[1,2,3]', status: 400 },
  { name: 'null body', method: 'POST', path: '/api/orders', body: 'null', status: 400 },
  { name: 'negative price', method: 'POST', path: '/api/products', body: { ...product('BAD-2', 1), priceCents: -5 }, status: 400 },
  { name: 'fractional stock', method: 'POST', path: '/api/products', body: { ...product('BAD-2', 1), stock: 0.5 }, status: 400 },
  { name: 'bad currency', method: 'POST', path: '/api/products', body: { ...product('BAD-2', 1), currency: 'euro' }, status: 400 },
  { name: 'duplicate sku', method: 'POST', path: '/api/products', body: product('BAD-1', 1), status: 409, code: 'illegal_transition' },
  { name: 'restock unknown sku', method: 'POST', path: '/api/products/NOPE-404/restock', body: { quantity: 1 }, status: 404 },
  { name: 'restock by zero', method: 'POST', path: '/api/products/BAD-1/restock', body: { quantity: 0 }, status: 400 },
  { name: 'pay unknown order', method: 'POST', path: '/api/orders/nope/pay', body: { amountCents: 1, paymentRef: 'x' }, status: 404 },
  { name: 'ship an unpaid order', method: 'POST', path: '/api/orders/bad-o/ship', body: { carrier: 'dhl', trackingNumber: '1' }, status: 409 },
  { name: 'pay the wrong amount', method: 'POST', path: '/api/orders/bad-o/pay', body: { amountCents: 1, paymentRef: 'x' }, status: 422, code: 'payment_amount_mismatch' },
  { name: 'order id with a space', method: 'POST', path: '/api/orders/a%20b/pay', body: { amountCents: 1, paymentRef: 'x' }, status: 400 },
  { name: '2 MB body', method: 'POST', path: '/api/orders', body: JSON.stringify(order([{ sku: 'BAD-1', quantity: 1 }], { pad: 'x'.repeat(2 * 1024 * 1024) })), status: 413 },
  { name: 'unknown route', method: 'POST', path: '/api/nothing', body: {}, status: 404 },
  { name: 'unknown order', method: 'GET', path: '/api/orders/never-placed', status: 404 },
  { name: 'bad X-Min-Position', method: 'GET', path: '/api/orders/bad-o?minPosition=-3', status: 400 },
  // PostgreSQL stores neither NUL nor a lone surrogate as text: both are refused at the edge, in filters as in commands
  { name: 'NUL in a product filter', method: 'GET', path: '/api/products?category=a%00b', status: 400, field: 'category' },
  { name: 'NUL in an order search', method: 'GET', path: '/api/orders?q=mug%00', status: 400, field: 'q' },
  { name: 'NUL in a time filter', method: 'GET', path: '/api/orders?from=2025%00', status: 400, field: 'from' },
  { name: 'NUL in a product name', method: 'POST', path: '/api/products', body: { ...product('BAD-3', 1), name: 'mug\u0000' }, status: 400, field: 'name' },
  { name: 'lone surrogate in a reason', method: 'POST', path: '/api/orders/bad-o/cancel', body: { reason: 'x\ud800' }, status: 400, field: 'reason' },
  { name: 'NUL in an email', method: 'POST', path: '/api/orders', body: order([{ sku: 'BAD-1', quantity: 1 }], { customer: { name: 'A', email: 'a\u0000@b.c' } }), status: 400, field: 'email' },
];

describe.each(backends)('bad input on $name', (backend) => {
  let running: RunningShop;
  let headBefore: number;
  beforeAll(async () => {
    running = await backend.start();
    expect((await request(running.url, 'POST', '/api/products', product('BAD-1', 5))).status).toBe(202);
    const placed = await request(running.url, 'POST', '/api/orders', { orderId: 'bad-o', ...order([{ sku: 'BAD-1', quantity: 1 }]) });
    expect(placed.status).toBe(202);
    // the head is what readers can see: below the oldest open transaction (a projector batch may hold it back briefly)
    const deadline = Date.now() + 10_000;
    while ((await running.shop.eventStore.head())?.cursor.position !== placed.body.position) {
      if (Date.now() > deadline) throw new Error('the head never reached the last write');
      await new Promise((r) => setTimeout(r, 10));
    }
    headBefore = placed.body.position;
  });
  afterAll(() => running?.stop());

  it.each(cases)('$name → $status', async ({ method, path, body, status, code, field }) => {
    const reply = await request(running.url, method, path, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    if (code !== undefined) expect(reply.body.error.code).toBe(code);
    if (field !== undefined) expect(JSON.stringify(reply.body.error)).toContain(field);
    expect((await running.shop.eventStore.head())!.cursor.position).toBe(headBefore);
  });
});
