// Property: over any interleaving of placing, paying, cancelling, time passing, the process manager running, deadlines
// firing and dispatchers dying mid-fire, no paid order is ever cancelled by its deadline, every deadline's command is
// appended at most once, and in the end every order is exactly one of paid or cancelled, its stock released once.
import {
  createCommandProcessor,
  createDeadlineDispatcher,
  cursorOf,
  inMemoryDeadlineStore,
  inMemoryEventStore,
  logStart,
  stepProcess,
  type LogCursor,
  type StoredEvent,
} from '@twofold/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addProduct, cancelOrder, payOrder, placeOrder } from '../domain/index.js';
import { deadlineCommandSender } from './deadline-commands.js';
import { paymentTimeouts, type PaymentTimeoutEvent, type PaymentTimeoutState } from './payment-timeouts.js';

const windowMs = 1_000;
const leaseMs = 500;

type Step =
  | { kind: 'place'; order: number; quantity: number }
  | { kind: 'pay'; order: number }
  | { kind: 'cancel'; order: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'process' }
  | { kind: 'fire' }
  /** a dispatcher claims what is due and dies before sending */
  | { kind: 'dieBeforeSending' }
  /** a dispatcher sends the commands and dies before recording that they fired */
  | { kind: 'dieAfterSending' };

const orders = 2;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('place' as const), order: fc.nat(orders - 1), quantity: fc.integer({ min: 1, max: 3 }) }),
  { arbitrary: fc.record({ kind: fc.constant('pay' as const), order: fc.nat(orders - 1) }), weight: 3 },
  fc.record({ kind: fc.constant('cancel' as const), order: fc.nat(orders - 1) }),
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 1_200 }) }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'process' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'fire' as const }), weight: 2 },
  fc.constant({ kind: 'dieBeforeSending' as const }),
  fc.constant({ kind: 'dieAfterSending' as const }),
);

async function run(steps: readonly Step[]): Promise<void> {
  let now = Date.UTC(2026, 0, 1);
  const eventStore = inMemoryEventStore();
  const commands = createCommandProcessor({ eventStore });
  const deadlines = inMemoryDeadlineStore({ now: () => now });
  const send = deadlineCommandSender(commands);
  const metadata = () => ({ now: new Date(now), correlationId: 'property' });
  await addProduct(commands, { sku: 'P-1', name: 'P', description: 'p', category: 'c', priceCents: 100, currency: 'EUR', merchantId: 'm', stock: 1_000 }, metadata());
  const totals = new Map<string, number>();

  // the process manager as a projection: states and deadlines move together with the cursor
  let cursor: LogCursor = logStart;
  const states = new Map<string, PaymentTimeoutState>();
  const processEvents = async () => {
    for (const event of await eventStore.readAll({ after: cursor, limit: 1_000 })) {
      cursor = cursorOf(event);
      if (!(paymentTimeouts.handles as readonly string[]).includes(event.type)) continue;
      const typed = event as StoredEvent<PaymentTimeoutEvent>;
      const instance = paymentTimeouts.instanceOf(typed);
      const next = stepProcess(paymentTimeouts, states.get(instance) ?? paymentTimeouts.initialState, typed);
      states.set(instance, next.state);
      deadlines.write(next.scheduled, next.cancelled);
    }
  };
  const dispatcher = (store = deadlines) => createDeadlineDispatcher({ store, send, leaseMs, retryInMs: 10 });
  const ignore = () => undefined;

  for (const s of steps) {
    const orderId = `o-${'order' in s ? s.order : 0}`;
    switch (s.kind) {
      case 'place':
        await placeOrder(commands, { orderId, customerId: 'c', currency: 'EUR', lines: [{ sku: 'P-1', quantity: s.quantity }], paymentWindowMs: windowMs }, metadata()).then(
          () => totals.set(orderId, s.quantity * 100),
          ignore,
        );
        break;
      case 'pay':
        await payOrder(commands, { orderId, amountCents: totals.get(orderId) ?? 0, paymentRef: 'p' }, metadata()).catch(ignore);
        break;
      case 'cancel':
        await cancelOrder(commands, orderId, 'customer', metadata()).catch(ignore);
        break;
      case 'tick':
        now += s.ms;
        break;
      case 'process':
        await processEvents();
        break;
      case 'fire':
        await dispatcher().fireDue();
        break;
      case 'dieBeforeSending':
        await deadlines.claimDue({ owner: 'dead', limit: 10, leaseMs });
        break;
      case 'dieAfterSending': {
        const dying = { ...deadlines, finish: () => Promise.reject(new Error('killed')), release: () => Promise.reject(new Error('killed')) };
        await dispatcher(dying).fireDue().catch(ignore);
        break;
      }
    }
  }
  // then everything settles: time passes beyond every window and lease, and the survivors do their work
  for (let round = 0; round < 3; round++) {
    now += windowMs + leaseMs + 1;
    await processEvents();
    await dispatcher().fireDue();
  }
  await processEvents();

  const log = await eventStore.readAll({ after: logStart, limit: 100_000 });
  for (const orderId of totals.keys()) {
    const own = log.filter((event) => event.streamId === `order-${orderId}`);
    const paid = own.filter((event) => event.type === 'OrderPaid');
    const cancellations = own.filter((event) => event.type === 'OrderCancelled') as StoredEvent<Extract<PaymentTimeoutEvent, { type: 'OrderCancelled' }>>[];
    const timedOut = cancellations.filter((event) => event.data.reason === 'payment_timeout');
    expect(cancellations.length).toBeLessThanOrEqual(1);
    // a paid order is never cancelled by its deadline; an unpaid one always ends cancelled, by its deadline or its customer
    if (paid.length > 0) expect(timedOut).toEqual([]);
    else expect(cancellations).toHaveLength(1);
    // a deadline's command carries the deadline's id: appended at most once however often it was fired
    for (const event of timedOut) expect(event.metadata.commandId).toBe(`paymentTimeouts/${orderId}/payment`);
    const reserved = log.filter((event) => event.type === 'StockReserved' && (event.data as { orderId: string }).orderId === orderId);
    const released = log.filter((event) => event.type === 'StockReleased' && (event.data as { orderId: string }).orderId === orderId);
    expect(released.map((event) => event.data)).toEqual(cancellations.length === 1 ? reserved.map((event) => event.data) : []);
  }
  await commands.close();
}

describe('payment deadlines over interleavings of pay, cancel, deadline and crash', () => {
  it('never auto-cancel a paid order, and settle every order exactly once', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 20 }), run), { numRuns: 1_000 });
    // a thousand histories take a few seconds alone, longer beside other test files
  }, 60_000);
});
