// The exact answer cache of orders by id, through the shop's HTTP API on each backend: answers are served from it
// until a batch changes their order, and no answer (cached or not) claims a position its order's row does not reflect.
import { describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  if (found === null) throw new Error(`${name} is not in /metrics`);
  return Number(found[1]);
};

const place = async (url: string, orderId: string): Promise<number> => {
  const placed = await request(url, 'POST', '/api/orders', { orderId, customerId: 'c-cache', currency: 'EUR', lines: [{ sku: 'CACHE', quantity: 1 }] });
  expect(placed.status, JSON.stringify(placed.body)).toBe(202);
  return placed.body.position as number;
};

/** The order's next step (the command's path and body, and the status it leads to); undefined at the end. */
const nextStep = (step: number, cancels: boolean): { path: string; body: object; status: string } | undefined =>
  cancels
    ? step === 0
      ? { path: 'cancel', body: { reason: 'changed my mind' }, status: 'cancelled' }
      : undefined
    : [
        { path: 'pay', body: { amountCents: 1_000, paymentRef: 'pay-1' }, status: 'paid' },
        { path: 'ship', body: { carrier: 'DHL', trackingNumber: 'T-1' }, status: 'shipped' },
        { path: 'deliver', body: {}, status: 'delivered' },
      ][step];

describe.each(backends)('the answer cache of orders by id on $name', (backend) => {
  async function started(): Promise<RunningShop> {
    const running = await backend.start({ daemon: { pollIntervalMs: 50 }, logger: false });
    expect((await request(running.url, 'POST', '/api/products', product('CACHE', 1_000_000, 1_000))).status).toBe(202);
    return running;
  }

  it('answers from the cache until a batch changes the order; a read with the change’s token sees the change', async () => {
    const running = await started();
    try {
      const token = await place(running.url, 'o-1');
      const first = await request(running.url, 'GET', '/api/orders/o-1', undefined, { 'X-Min-Position': String(token) });
      expect(first.body).toMatchObject({ orderId: 'o-1', status: 'placed' });
      const hitsBefore = await metric(running.url, 'twofold_answer_cache_hits_total');
      for (let i = 0; i < 5; i++) {
        const again = await request(running.url, 'GET', '/api/orders/o-1');
        // a kept answer is the JSON the first read sent, as the first read sent it
        expect(again.body).toEqual(first.body);
        expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
      }
      expect(await metric(running.url, 'twofold_answer_cache_hits_total')).toBeGreaterThan(hitsBefore);

      const paid = await request(running.url, 'POST', '/api/orders/o-1/pay', { amountCents: 1_000, paymentRef: 'pay-1' });
      expect(paid.status, JSON.stringify(paid.body)).toBe(202);
      const afterPay = await request(running.url, 'GET', '/api/orders/o-1', undefined, { 'X-Min-Position': String(paid.body.position) });
      expect(afterPay.headers.get('x-consistency')).toBe('caught-up');
      expect(afterPay.body).toMatchObject({ status: 'paid' });
      // and the new answer is the one kept
      expect((await request(running.url, 'GET', '/api/orders/o-1')).body).toMatchObject({ status: 'paid' });
    } finally {
      await running.stop();
    }
  });

  it('under concurrent changes and reads, every answer reflects each change of its order up to the position it names', async () => {
    const running = await started();
    try {
      const orders = Array.from({ length: 8 }, (_, i) => `race-${i}`);
      // per order: each change acknowledged, as the token its command answered and the status it left, in order
      const history = new Map<string, { token: number; status: string }[]>();
      for (const orderId of orders) history.set(orderId, [{ token: await place(running.url, orderId), status: 'placed' }]);
      const lastPlaced = history.get(orders.at(-1)!)![0]!.token;
      expect((await request(running.url, 'GET', `/api/orders/${orders.at(-1)}`, undefined, { 'X-Min-Position': String(lastPlaced) })).status).toBe(200);
      const hitsBefore = await metric(running.url, 'twofold_answer_cache_hits_total');
      let writing = true;
      const writers = orders.map(async (orderId, i) => {
        for (let step = 0; ; step++) {
          const next = nextStep(step, i % 4 === 3);
          if (next === undefined) return;
          await new Promise((resolve) => setTimeout(resolve, 20 + ((i * 7 + step * 13) % 30)));
          const done = await request(running.url, 'POST', `/api/orders/${orderId}/${next.path}`, next.body);
          expect(done.status, JSON.stringify(done.body)).toBe(202);
          history.get(orderId)!.push({ token: done.body.position, status: next.status });
        }
      });
      let reads = 0;
      const readers = Array.from({ length: 4 }, async (_, r) => {
        while (writing || reads < 100) {
          const orderId = orders[(reads + r) % orders.length]!;
          const read = await request(running.url, 'GET', `/api/orders/${orderId}`);
          reads++;
          expect(read.status).toBe(200);
          const named = Number(read.headers.get('x-projection-position'));
          const changes = history.get(orderId)!;
          // every acknowledged change whose token the named position covers is in the answer: its status, or a later
          // one (the answer may be fresher than it says; a change not yet acknowledged is not checked)
          const covered = changes.reduce((last, change, index) => (change.token <= named ? index : last), -1);
          const statuses = ['placed', ...(orders.indexOf(orderId) % 4 === 3 ? ['cancelled'] : ['paid', 'shipped', 'delivered'])];
          expect(statuses, `${orderId}: ${read.body.status}`).toContain(read.body.status);
          expect(statuses.indexOf(read.body.status), `${orderId} answered ${read.body.status} at ${named}: ${JSON.stringify(changes)}`).toBeGreaterThanOrEqual(covered);
        }
      });
      await Promise.all(writers);
      writing = false;
      await Promise.all(readers);
      // the cache served some of them: the check above was of cached answers too
      expect(await metric(running.url, 'twofold_answer_cache_hits_total')).toBeGreaterThan(hitsBefore);
    } finally {
      await running.stop();
    }
  }, 60_000);
});
