// Time travel: GET /api/orders/:id?at=<position or instant> answers the order as it was then, folded from the log,
// and equals what the read model answered at that moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, product, request, type RunningShop } from './shop-fixture.js';

describe.each(backends)('time travel on $name', (backend) => {
  let running: RunningShop;
  beforeAll(async () => {
    running = await backend.start();
  });
  afterAll(() => running?.stop());

  it('answers each past point with what the read model answered then, and 404 before the order existed', async () => {
    const base = running.url;
    await request(base, 'POST', '/api/products', product('TT-1', 100));
    const place = (orderId: string) => request(base, 'POST', '/api/orders', { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'TT-1', quantity: 2 }] });
    const placed = await place('tt-1');
    expect(placed.status).toBe(202);
    const steps: { position: number; answer: unknown }[] = [];
    const remember = async (position: number) => {
      const now = await request(base, 'GET', '/api/orders/tt-1', undefined, { 'X-Min-Position': String(position), 'X-Wait-Ms': '10000' });
      expect(now.headers.get('x-consistency')).toBe('caught-up');
      steps.push({ position, answer: now.body });
    };
    await remember(placed.body.position);
    // other orders in between: the order's positions are not contiguous
    await place('tt-other-1');
    const total = steps[0]!.answer as { totalCents: number };
    for (const [path, body] of [
      ['pay', { amountCents: total.totalCents, paymentRef: 'p-1' }],
      ['ship', { carrier: 'dhl', trackingNumber: 't-1' }],
      ['deliver', {}],
    ] as const) {
      const moved = await request(base, 'POST', `/api/orders/tt-1/${path}`, body);
      expect(moved.status, path).toBe(202);
      await place(`tt-other-${path}`);
      await remember(moved.body.position);
    }
    expect(steps.map((step) => (step.answer as { status: string }).status)).toEqual(['placed', 'paid', 'shipped', 'delivered']);

    const lastPositionOf = (answer: unknown) => (answer as { lastPosition: number }).lastPosition;
    for (const [i, step] of steps.entries()) {
      // at the command's token, and just before the order's next event
      const until = (steps[i + 1] === undefined ? step.position + 3 : lastPositionOf(steps[i + 1]!.answer)) - 1;
      for (const at of [step.position, until]) {
        const past = await request(base, 'GET', `/api/orders/tt-1?at=${at}`);
        expect(past.status).toBe(200);
        expect(past.body, `at ${at}`).toEqual(step.answer);
        // the position of the order's own last event (a command's token may name a later event of another stream)
        expect(past.headers.get('x-projection-position')).toBe(String(lastPositionOf(step.answer)));
        expect(past.headers.get('x-consistency')).toBe('caught-up');
      }
      // at the instant its last event was recorded
      const instant = (step.answer as { updatedAt: string }).updatedAt;
      const then = await request(base, 'GET', `/api/orders/tt-1?at=${encodeURIComponent(instant)}`);
      expect(then.body, `at ${instant}`).toEqual(step.answer);
      expect(then.headers.get('x-as-of')).toBe(instant);
    }
    const placedAt = lastPositionOf(steps[0]!.answer);
    expect((await request(base, 'GET', `/api/orders/tt-1?at=${placedAt}`)).status).toBe(200);
    expect((await request(base, 'GET', `/api/orders/tt-1?at=${placedAt - 1}`)).status).toBe(404);
    expect((await request(base, 'GET', '/api/orders/tt-1?at=0')).status).toBe(404);
  });

  it('refuses a point that is neither a position nor an instant with a zone, naming the field', async () => {
    for (const at of ['yesterday', '-1', '1.5', '2026-02-31T00:00:00Z', '2026-12-06T10:00:00']) {
      const refused = await request(base(), 'GET', `/api/orders/tt-1?at=${encodeURIComponent(at)}`);
      expect(refused.status, at).toBe(400);
      expect(refused.body.error.details?.field ?? refused.body.error.field, at).toBe('at');
    }
  });
  const base = () => running.url;
});
