import { CommandRejected, fold, IllegalTransition, InvalidCommand, NotFound } from '@twofold/core';
import { deciderSpecification } from '@twofold/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderDecider, orderStream, type OrderCommand, type OrderEvent, type OrderLine, type OrderStatus, type PlaceOrderData } from './order.js';

const now = new Date('2025-03-01T12:00:00.000Z');
const at = now.toISOString();
const metadata = { now, correlationId: 'c-1' };
const lines: OrderLine[] = [
  { sku: 'MUG-1', name: 'Mug', quantity: 2, unitPriceCents: 1250, merchantId: 'm-1' },
  { sku: 'TEA-7', name: 'Tea', quantity: 1, unitPriceCents: 499, merchantId: 'm-2' },
];
const order: PlaceOrderData = {
  orderId: 'o-1',
  customerId: 'c-42',
  currency: 'EUR',
  lines,
  customer: { name: 'Ada', email: 'ada@example.com' },
  shippingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
};
const totalCents = 2 * 1250 + 499;

const place = (data: Partial<PlaceOrderData> = {}): OrderCommand => ({ type: 'PlaceOrder', data: { ...order, ...data }, metadata });
const pay = (amountCents = totalCents): OrderCommand => ({ type: 'PayOrder', data: { orderId: 'o-1', amountCents, paymentRef: 'pay-1' }, metadata });
const ship: OrderCommand = { type: 'ShipOrder', data: { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T-1' }, metadata };
const deliver: OrderCommand = { type: 'DeliverOrder', data: { orderId: 'o-1' }, metadata };
const cancel = (reason = 'changed my mind'): OrderCommand => ({ type: 'CancelOrder', data: { orderId: 'o-1', reason }, metadata });

const placed: OrderEvent = { type: 'OrderPlaced', data: { ...order, totalCents, placedAt: at } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: totalCents, currency: 'EUR', paymentRef: 'pay-1', paidAt: at } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T-1', shippedAt: at } };
const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId: 'o-1', deliveredAt: at } };
const cancelled = (refundCents: number, reason = 'changed my mind'): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId: 'o-1', reason, refundCents, currency: 'EUR', lines, cancelledAt: at },
});

const spec = deciderSpecification(orderDecider);
const illegal = (from: string, command: string) => (e: IllegalTransition) => e.entity === 'order' && e.from === from && e.command === command;

describe('orderStream', () => {
  it('names the stream after the order id', () => expect(orderStream('o-1')).toBe('order-o-1'));
});

describe('order decider', () => {
  describe('when none', () => {
    it('places an order with its total and the command time', () => spec.given([]).when(place()).then([placed]));
    it('places an order without customer details or address', () =>
      spec
        .given([])
        .when(place({ customer: undefined, shippingAddress: undefined }))
        .then([{ type: 'OrderPlaced', data: { orderId: 'o-1', customerId: 'c-42', currency: 'EUR', lines, totalCents, placedAt: at } }]));
    it('drops fields it does not know', () =>
      spec
        .given([])
        .when(place({ lines: [{ ...lines[0]!, extra: 'x' } as OrderLine], customer: { name: 'Ada', email: 'ada@example.com', ssn: '1' } as never }))
        .then([
          {
            type: 'OrderPlaced',
            data: { ...order, lines: [lines[0]!], customer: { name: 'Ada', email: 'ada@example.com' }, totalCents: 2500, placedAt: at },
          },
        ]));
    it.each([
      ['lines', { lines: [] }],
      ['lines', { lines: Array.from({ length: 101 }, (_, i) => ({ ...lines[0]!, sku: `S-${i}` })) }],
      ['lines[0].quantity', { lines: [{ ...lines[0]!, quantity: 0 }] }],
      ['lines[0].quantity', { lines: [{ ...lines[0]!, quantity: 1.5 }] }],
      ['lines[0].unitPriceCents', { lines: [{ ...lines[0]!, unitPriceCents: -1 }] }],
      ['lines[1].sku', { lines: [lines[0]!, lines[0]!] }],
      ['orderId', { orderId: '' }],
      ['customerId', { customerId: '' }],
      ['currency', { currency: 'euro' }],
      ['customer.email', { customer: { name: 'Ada', email: 'nope' } }],
      ['shippingAddress.country', { shippingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'Germany' } }],
    ] as const)('rejects a malformed %s', (field, data) =>
      spec
        .given([])
        .when(place(data as Partial<PlaceOrderData>))
        .thenThrows(InvalidCommand, (e) => e.details.field === field),
    );
    it.each([pay(), ship, deliver, cancel()])('does not find the order for $type', (command) =>
      spec.given([]).when(command).thenThrows(NotFound, (e) => e.details.order === 'o-1'),
    );
  });

  describe('when placed', () => {
    it('refuses to place it again', () => spec.given([placed]).when(place()).thenThrows(IllegalTransition, illegal('placed', 'place')));
    it('is paid with the exact total', () => spec.given([placed]).when(pay()).then([paid]));
    it.each([totalCents - 1, totalCents + 1, 0])('rejects a payment of %s', (amount) =>
      spec
        .given([placed])
        .when(pay(amount))
        .thenThrows(CommandRejected, (e) => e.code === 'payment_amount_mismatch' && e.details.expectedCents === totalCents),
    );
    it('rejects a payment without a reference', () =>
      spec
        .given([placed])
        .when({ type: 'PayOrder', data: { orderId: 'o-1', amountCents: totalCents, paymentRef: '' }, metadata })
        .thenThrows(InvalidCommand, (e) => e.details.field === 'paymentRef'));
    it('cannot ship before payment', () => spec.given([placed]).when(ship).thenThrows(IllegalTransition, illegal('placed', 'ship')));
    it('cannot be delivered', () => spec.given([placed]).when(deliver).thenThrows(IllegalTransition, illegal('placed', 'deliver')));
    it('is cancelled with nothing to refund', () => spec.given([placed]).when(cancel()).then([cancelled(0)]));
    it('needs a reason to cancel', () => spec.given([placed]).when(cancel(' ')).thenThrows(InvalidCommand, (e) => e.details.field === 'reason'));
  });

  describe('when paid', () => {
    it('cannot be paid twice', () => spec.given([placed, paid]).when(pay()).thenThrows(IllegalTransition, illegal('paid', 'pay')));
    it('ships', () => spec.given([placed, paid]).when(ship).then([shipped]));
    it('rejects a blank carrier', () =>
      spec
        .given([placed, paid])
        .when({ type: 'ShipOrder', data: { orderId: 'o-1', carrier: '', trackingNumber: 'T-1' }, metadata })
        .thenThrows(InvalidCommand));
    it('cannot be delivered before shipping', () => spec.given([placed, paid]).when(deliver).thenThrows(IllegalTransition, illegal('paid', 'deliver')));
    it('is cancelled with the paid amount refunded', () => spec.given([placed, paid]).when(cancel()).then([cancelled(totalCents)]));
  });

  describe('when shipped', () => {
    it('is delivered', () => spec.given([placed, paid, shipped]).when(deliver).then([delivered]));
    it('cannot be cancelled', () => spec.given([placed, paid, shipped]).when(cancel()).thenThrows(IllegalTransition, illegal('shipped', 'cancel')));
    it('cannot ship twice', () => spec.given([placed, paid, shipped]).when(ship).thenThrows(IllegalTransition, illegal('shipped', 'ship')));
  });

  describe('when delivered', () => {
    it.each([pay(), ship, deliver, cancel()])('refuses $type', (command) =>
      spec.given([placed, paid, shipped, delivered]).when(command).thenThrows(IllegalTransition, (e) => e.from === 'delivered'),
    );
  });

  describe('when cancelled', () => {
    it.each([pay(), ship, deliver, cancel()])('refuses $type', (command) =>
      spec.given([placed, cancelled(0)]).when(command).thenThrows(IllegalTransition, (e) => e.from === 'cancelled'),
    );
    it('refuses to be placed again', () => spec.given([placed, cancelled(0)]).when(place()).thenThrows(IllegalTransition, illegal('cancelled', 'place')));
  });
});

describe('order state machine properties', () => {
  type Status = OrderStatus | 'none';
  /** The model: which command moves which status where; anything missing is illegal. */
  const model: Record<OrderCommand['type'], Partial<Record<Status, Status>>> = {
    PlaceOrder: { none: 'placed' },
    PayOrder: { placed: 'paid' },
    ShipOrder: { paid: 'shipped' },
    DeliverOrder: { shipped: 'delivered' },
    CancelOrder: { placed: 'cancelled', paid: 'cancelled' },
  };
  const commandArb = fc.constantFrom<OrderCommand>(place(), pay(), ship, deliver, cancel());

  it('accepts exactly the transitions of the model and rejects every other one', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), (commands) => {
        let status: Status = 'none';
        let history: OrderEvent[] = [];
        for (const command of commands) {
          const state = fold(orderDecider, history);
          expect(state.status).toBe(status);
          const next: Status | undefined = model[command.type][status];
          if (next === undefined) {
            const expected = status === 'none' ? NotFound : IllegalTransition;
            expect(() => orderDecider.decide(command, state)).toThrow(expected);
            continue;
          }
          const events = orderDecider.decide(command, state);
          expect(events).toHaveLength(1);
          history = [...history, ...events];
          status = next;
        }
        expect(fold(orderDecider, history).status).toBe(status);
      }),
    );
  });

  it('refunds exactly what was paid', () => {
    fc.assert(
      fc.property(fc.boolean(), (payFirst) => {
        const history: OrderEvent[] = payFirst ? [placed, paid] : [placed];
        const [event] = orderDecider.decide(cancel(), fold(orderDecider, history));
        expect(event?.type === 'OrderCancelled' && event.data.refundCents).toBe(payFirst ? totalCents : 0);
      }),
    );
  });

  it('rebuilds the same state from the same stream, every time', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 20 }), (commands) => {
        const history: OrderEvent[] = [];
        for (const command of commands) {
          try {
            history.push(...orderDecider.decide(command, fold(orderDecider, history)));
          } catch {
            // rejected commands leave the stream unchanged
          }
        }
        const replayed = fold(orderDecider, structuredClone(history));
        expect(replayed).toEqual(fold(orderDecider, history));
        expect(JSON.parse(JSON.stringify(replayed))).toEqual(replayed);
      }),
    );
  });

  it('totals any valid lines exactly', () => {
    const lineArb = fc.record({
      sku: fc.stringMatching(/^[A-Z]{1,4}-[0-9]{1,3}$/),
      name: fc.constant('Item'),
      quantity: fc.integer({ min: 1, max: 1000 }),
      unitPriceCents: fc.integer({ min: 0, max: 1_000_000 }),
      merchantId: fc.constant('m-1'),
    });
    fc.assert(
      fc.property(fc.uniqueArray(lineArb, { minLength: 1, maxLength: 100, selector: (line) => line.sku }), (orderLines) => {
        const [event] = orderDecider.decide(place({ lines: orderLines }), { status: 'none' });
        const expected = orderLines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
        expect(event?.type === 'OrderPlaced' && event.data.totalCents).toBe(expected);
      }),
    );
  });
});
