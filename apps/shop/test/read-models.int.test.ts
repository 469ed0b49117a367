// The read side over HTTP: order search, merchant balances and payouts, sales analytics, a customer's orders; bad query input is a 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, request, type Reply, type RunningShop } from './shop-fixture.js';

const product = (sku: string, priceCents: number, merchantId: string, currency = 'EUR') => ({
  sku,
  name: `Product ${sku}`,
  description: '',
  category: 'kitchen',
  priceCents,
  currency,
  merchantId,
  stock: 100,
});

describe.each(backends)('read models over HTTP on $name', (backend) => {
  let running: RunningShop;
  let token = 0;
  const started = new Date();
  const accepted = (reply: Reply): Reply => {
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    token = Math.max(token, reply.body.position);
    return reply;
  };
  /** A read that waits for every write so far. */
  const read = (path: string) => request(running.url, 'GET', path, undefined, { 'X-Min-Position': String(token) });

  beforeAll(async () => {
    running = await backend.start();
    const post = (path: string, body: unknown) => request(running.url, 'POST', path, body);
    for (const p of [product('MUG', 1_000, 'm-1'), product('TEA', 300, 'm-2'), product('PEN', 2_500, 'm-1', 'USD')]) accepted(await post('/api/products', p));
    const ada = { name: 'Ada Lovelace', email: 'ada@analytical.org' };
    accepted(await post('/api/orders', { orderId: 'o-1', customerId: 'c-ada', currency: 'EUR', customer: ada, lines: [{ sku: 'MUG', quantity: 2 }, { sku: 'TEA', quantity: 1 }] }));
    accepted(await post('/api/orders', { orderId: 'o-2', customerId: 'c-grace', currency: 'EUR', lines: [{ sku: 'TEA', quantity: 4 }] }));
    accepted(await post('/api/orders', { orderId: 'o-3', customerId: 'c-ada', currency: 'USD', customer: ada, lines: [{ sku: 'PEN', quantity: 1 }] }));
    accepted(await post('/api/orders/o-1/pay', { amountCents: 2_300, paymentRef: 'pay-1' }));
    accepted(await post('/api/orders/o-2/pay', { amountCents: 1_200, paymentRef: 'pay-2' }));
    accepted(await post('/api/orders/o-3/pay', { amountCents: 2_500, paymentRef: 'pay-3' }));
    accepted(await post('/api/orders/o-2/cancel', { reason: 'changed my mind' }));
  });
  afterAll(() => running?.stop());

  describe('GET /api/orders', () => {
    it('finds orders by text and filters, newest first, and pages with a cursor', async () => {
      const ids = async (query: string) => {
        const reply = await read(`/api/orders?${query}`);
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        expect(reply.headers.get('x-consistency')).toBe('caught-up');
        return reply.body.items.map((o: { orderId: string }) => o.orderId);
      };
      expect(await ids('')).toEqual(['o-3', 'o-2', 'o-1']);
      expect(await ids('q=lovelace')).toEqual(['o-3', 'o-1']);
      expect(await ids('q=product%20tea')).toEqual(['o-2', 'o-1']);
      expect(await ids('customerId=c-ada&sku=MUG')).toEqual(['o-1']);
      expect(await ids('status=cancelled')).toEqual(['o-2']);
      expect(await ids(`from=${encodeURIComponent(started.toISOString())}&to=2999-01-01`)).toEqual(['o-3', 'o-2', 'o-1']);
      expect(await ids('to=2000-01-01T00:00:00Z')).toEqual([]);
      // an unencoded + arrives as a space, and is read as one
      expect(await ids('from=2000-01-01T00:00:00+01:00')).toEqual(['o-3', 'o-2', 'o-1']);

      const first = await read('/api/orders?limit=2');
      expect(first.body.items).toMatchObject([
        { orderId: 'o-3', customerId: 'c-ada', customerName: 'Ada Lovelace', status: 'paid', currency: 'USD', totalCents: 2_500 },
        { orderId: 'o-2', status: 'cancelled' },
      ]);
      const second = await read(`/api/orders?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['o-1']);
      expect(second.body.nextCursor).toBeUndefined();
    });

    it.each([
      ['a bad cursor', 'cursor=nope'],
      ['a bad date', 'from=yesterday'],
      ['an impossible date', 'from=2025-02-30'],
      ['a time without a zone', 'from=2025-03-01T10:00:00'],
      ['from after to', 'from=2025-03-02&to=2025-03-01'],
      ['an unknown status', 'status=lost'],
      ['a limit of 0', 'limit=0'],
      ['a limit of 201', 'limit=201'],
    ])('answers 400 to %s', async (_name, query) => {
      const reply = await read(`/api/orders?${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_input');
    });
  });

  describe('merchants', () => {
    it('charges on payment, refunds on cancel, and pays out what is available', async () => {
      const balances = async (merchantId: string) => (await read(`/api/merchants/${merchantId}/balances`)).body;
      expect(await balances('m-1')).toEqual({
        merchantId: 'm-1',
        balances: [
          { currency: 'EUR', chargesCents: 2_000, refundsCents: 0, payoutsCents: 0, balanceCents: 2_000, updatedAt: expect.any(String) },
          { currency: 'USD', chargesCents: 2_500, refundsCents: 0, payoutsCents: 0, balanceCents: 2_500, updatedAt: expect.any(String) },
        ],
      });
      expect((await balances('m-2')).balances).toMatchObject([{ currency: 'EUR', chargesCents: 1_500, refundsCents: 1_200, balanceCents: 300 }]);

      const payout = (merchantId: string, body: unknown) => request(running.url, 'POST', `/api/merchants/${merchantId}/payouts`, body);
      const sent = accepted(await payout('m-1', { currency: 'EUR', amountCents: 1_500, payoutId: 'po-1' }));
      expect(sent.body).toMatchObject({ streamId: 'merchant-m-1', streamVersion: 3 });
      expect(accepted(await payout('m-1', { currency: 'EUR', amountCents: 1_500, payoutId: 'po-1' })).body.streamVersion).toBe(3);
      const refused = await payout('m-1', { currency: 'EUR', amountCents: 501 });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'insufficient_balance', details: { merchantId: 'm-1', currency: 'EUR', requestedCents: 501, availableCents: 500 } });
      expect((await payout('m-9', { currency: 'EUR', amountCents: 1 })).status).toBe(422);
      for (const body of [{ currency: 'EUR', amountCents: 0 }, { currency: 'euro', amountCents: 1 }, { currency: 'EUR', amountCents: '1' }, { currency: 'EUR' }]) {
        expect((await payout('m-1', body)).status, JSON.stringify(body)).toBe(400);
      }
      expect((await balances('m-1')).balances[0]).toMatchObject({ payoutsCents: 1_500, balanceCents: 500 });
      expect(await balances('m-404')).toEqual({ merchantId: 'm-404', balances: [] });
    });
  });

  describe('GET /api/analytics/sales', () => {
    it('reports the orders and revenue of each minute and the top products, by default over the last 24 h', async () => {
      const reply = await read('/api/analytics/sales');
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const { from, to, minutes, topProducts } = reply.body;
      expect(Date.parse(to) - Date.parse(from)).toBe(86_400_000);
      const sum = (currency: string, field: 'orders' | 'revenueCents') =>
        minutes.filter((m: { currency: string }) => m.currency === currency).reduce((total: number, m: Record<string, number>) => total + m[field]!, 0);
      expect([sum('EUR', 'orders'), sum('EUR', 'revenueCents'), sum('USD', 'orders'), sum('USD', 'revenueCents')]).toEqual([2, 3_500, 1, 2_500]);
      expect(topProducts).toEqual([
        { sku: 'TEA', name: 'Product TEA', currency: 'EUR', quantity: 5, revenueCents: 1_500 },
        { sku: 'MUG', name: 'Product MUG', currency: 'EUR', quantity: 2, revenueCents: 2_000 },
        { sku: 'PEN', name: 'Product PEN', currency: 'USD', quantity: 1, revenueCents: 2_500 },
      ]);
      const explicit = await read(`/api/analytics/sales?from=${encodeURIComponent(new Date(started.getTime() - 60_000).toISOString())}&topBy=revenue&top=1`);
      expect(explicit.body.topProducts.map((p: { sku: string }) => p.sku)).toEqual(['PEN']);
      expect((await read('/api/analytics/sales?from=2001-01-01&to=2001-01-02')).body).toEqual({
        from: '2001-01-01T00:00:00.000Z',
        to: '2001-01-02T00:00:00.000Z',
        minutes: [],
        topProducts: [],
      });
    });

    it.each([
      ['a bad date', 'from=soon'],
      ['a reversed range', 'from=2025-03-02&to=2025-03-01'],
      ['a range over 31 days', 'from=2025-01-01&to=2025-02-02'],
      ['a bad topBy', 'topBy=price'],
    ])('answers 400 to %s', async (_name, query) => {
      const reply = await read(`/api/analytics/sales?${query}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.error.code).toBe('invalid_input');
    });
  });

  describe('GET /api/customers/:id/orders', () => {
    it('lists a customer’s recent orders newest first', async () => {
      const reply = await read('/api/customers/c-ada/orders');
      expect(reply.body).toEqual({
        customerId: 'c-ada',
        orders: [
          { orderId: 'o-3', status: 'paid', currency: 'USD', totalCents: 2_500, placedAt: expect.any(String), updatedAt: expect.any(String) },
          { orderId: 'o-1', status: 'paid', currency: 'EUR', totalCents: 2_300, placedAt: expect.any(String), updatedAt: expect.any(String) },
        ],
      });
      expect((await read('/api/customers/c-grace/orders')).body.orders).toMatchObject([{ orderId: 'o-2', status: 'cancelled' }]);
      expect((await read('/api/customers/nobody/orders')).body).toEqual({ customerId: 'nobody', orders: [] });
      expect((await read('/api/customers/c-ada/orders?limit=0')).status).toBe(400);
    });
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const { body } = await request(running.url, 'GET', '/api/openapi.json');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/orders', '/api/merchants/{id}/payouts', '/api/merchants/{id}/balances', '/api/analytics/sales', '/api/customers/{id}/orders']),
    );
  });
});
