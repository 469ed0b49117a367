// Idempotency-Key over HTTP on each backend: a retry is answered with the first answer and appends nothing, whatever the interleaving.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type Reply, type RunningShop } from './shop-fixture.js';

describe.each(backends)('Idempotency-Key on $name', (backend) => {
  let running: RunningShop;
  beforeAll(async () => {
    running = await backend.start();
  });
  afterAll(() => running?.stop());

  const restocks = async (sku: string): Promise<number> => {
    const history = await request(running.url, 'GET', `/api/streams/product-${sku}`);
    return (history.body.events as { type: string }[]).filter((e) => e.type === 'ProductRestocked').length;
  };
  const restock = (sku: string, key: string | undefined, quantity = 10): Promise<Reply> =>
    request(running.url, 'POST', `/api/products/${sku}/restock`, { quantity }, key === undefined ? {} : { 'Idempotency-Key': key });
  const same = (a: Reply, b: Reply): void => {
    expect(b.status).toBe(a.status);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('x-position')).toBe(a.headers.get('x-position'));
  };

  it('a retry with the same key and body gets the first answer (status, body, X-Position) and appends nothing', async () => {
    expect((await request(running.url, 'POST', '/api/products', product('IK-1', 0))).status).toBe(202);
    const first = await restock('IK-1', 'restock-ik-1');
    expect(first.status).toBe(202);
    const retry = await restock('IK-1', 'restock-ik-1');
    same(first, retry);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await restocks('IK-1')).toBe(1);
    // without a key every request is a new command
    expect((await restock('IK-1', undefined)).status).toBe(202);
    expect(await restocks('IK-1')).toBe(2);
  });

  it('the same key with another body is a 422 naming the header, and changes nothing', async () => {
    await request(running.url, 'POST', '/api/products', product('IK-2', 0));
    expect((await restock('IK-2', 'k-2', 10)).status).toBe(202);
    const other = await restock('IK-2', 'k-2', 11);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', details: { header: 'Idempotency-Key' } });
    expect(await restocks('IK-2')).toBe(1);
  });

  it('keys are scoped per route: one key on two routes is two commands', async () => {
    await request(running.url, 'POST', '/api/products', product('IK-3', 5));
    expect((await restock('IK-3', 'shared-key')).status).toBe(202);
    const order = await request(running.url, 'POST', '/api/orders', { orderId: 'ik-3', customerId: 'c', currency: 'EUR', lines: [{ sku: 'IK-3', quantity: 1 }] }, { 'Idempotency-Key': 'shared-key' });
    expect(order.status).toBe(202);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(201)],
    ['not printable ASCII', 'ключ'],
    ['a control character', 'a\tb'],
  ])('refuses a key that is %s with a 400 naming Idempotency-Key', async (_, key) => {
    await request(running.url, 'POST', '/api/products', product('IK-4', 0));
    const before = await restocks('IK-4');
    const reply = await fetch(`${running.url}/api/products/IK-4/restock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': Buffer.from(key, 'utf8').toString('latin1') },
      body: JSON.stringify({ quantity: 1 }),
    });
    expect(reply.status).toBe(400);
    expect(((await reply.json()) as { error: { details: { header: string } } }).error.details.header).toBe('Idempotency-Key');
    expect(await restocks('IK-4')).toBe(before);
  });

  it('a refused command is not remembered: its retry is decided again (here, after a restock, accepted)', async () => {
    await request(running.url, 'POST', '/api/products', product('IK-5', 0));
    const order = { orderId: 'ik-5', customerId: 'c', currency: 'EUR', lines: [{ sku: 'IK-5', quantity: 1 }] };
    const refused = await request(running.url, 'POST', '/api/orders', order, { 'Idempotency-Key': 'order-ik-5' });
    expect(refused.status).toBe(422);
    await restock('IK-5', undefined, 1);
    expect((await request(running.url, 'POST', '/api/orders', order, { 'Idempotency-Key': 'order-ik-5' })).status).toBe(202);
  });

  it('an order placed without orderId and retried with its key is placed once (one reservation)', async () => {
    await request(running.url, 'POST', '/api/products', product('IK-6', 5));
    const order = { customerId: 'c', currency: 'EUR', lines: [{ sku: 'IK-6', quantity: 2 }] };
    const first = await request(running.url, 'POST', '/api/orders', order, { 'Idempotency-Key': 'order-ik-6' });
    const retry = await request(running.url, 'POST', '/api/orders', order, { 'Idempotency-Key': 'order-ik-6' });
    same(first, retry);
    const history = await request(running.url, 'GET', '/api/streams/product-IK-6');
    expect((history.body.events as { type: string }[]).filter((e) => e.type === 'StockReserved')).toHaveLength(1);
  });

  it('concurrent retries with one key append once and all get the same answer, whatever the interleaving', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 8 }), fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 8, maxLength: 8 }), async (copies, delaysMs) => {
        const sku = `IK-C-${run++}`;
        await request(running.url, 'POST', '/api/products', product(sku, 0));
        // a command on the same stream without a key, racing the keyed ones
        const other = restock(sku, undefined, 1);
        const replies = await Promise.all(
          Array.from({ length: copies }, async (_, i) => {
            await new Promise((resolve) => setTimeout(resolve, delaysMs[i]!));
            return restock(sku, `race-${sku}`);
          }),
        );
        expect((await other).status).toBe(202);
        for (const reply of replies) same(replies[0]!, reply);
        expect(replies[0]!.status).toBe(202);
        expect(await restocks(sku)).toBe(2);
      }),
      { numRuns: 15 },
    );
  });
});
