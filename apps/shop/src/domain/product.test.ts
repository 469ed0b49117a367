import { CommandRejected, fold, IllegalTransition, InvalidCommand, NotFound } from '@twofold/core';
import { deciderSpecification } from '@twofold/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  availableStock,
  productDecider,
  productStream,
  type AddProduct,
  type ProductAdded,
  type ProductCommand,
  type ProductEvent,
  type ProductState,
} from './product.js';

const metadata = { now: new Date('2025-03-01T12:00:00.000Z'), correlationId: 'c-1' };
const details = {
  sku: 'MUG-1',
  name: 'Mug',
  description: 'A blue mug',
  category: 'kitchen',
  priceCents: 1250,
  currency: 'EUR',
  merchantId: 'm-1',
};
const add = (data: Partial<AddProduct['data']> = {}): ProductCommand => ({ type: 'AddProduct', data: { ...details, stock: 10, ...data }, metadata });
const restock = (quantity: number): ProductCommand => ({ type: 'RestockProduct', data: { sku: 'MUG-1', quantity }, metadata });
const reserve = (orderId: string, quantity: number): ProductCommand => ({ type: 'ReserveStock', data: { sku: 'MUG-1', orderId, quantity }, metadata });
const release = (orderId: string, quantity: number): ProductCommand => ({ type: 'ReleaseStock', data: { sku: 'MUG-1', orderId, quantity }, metadata });

const productAdded = (stock = 10): ProductAdded => ({ type: 'ProductAdded', data: { ...details, stock } });
const restocked = (quantity: number): ProductEvent => ({ type: 'ProductRestocked', data: { sku: 'MUG-1', added: quantity } });
const reserved = (orderId: string, quantity: number): ProductEvent => ({ type: 'StockReserved', data: { sku: 'MUG-1', orderId, quantity } });
const released = (orderId: string, quantity: number): ProductEvent => ({ type: 'StockReleased', data: { sku: 'MUG-1', orderId, quantity } });

const spec = deciderSpecification(productDecider);

describe('productStream', () => {
  it('names the stream after the sku', () => expect(productStream('MUG-1')).toBe('product-MUG-1'));
});

describe('product decider', () => {
  describe('when unlisted', () => {
    it('adds a product', () => spec.given([]).when(add()).then([productAdded()]));
    it('adds a product with no stock and a free price', () =>
      spec.given([]).when(add({ stock: 0, priceCents: 0 })).then([{ type: 'ProductAdded', data: { ...details, priceCents: 0, stock: 0 } }]));
    it('does not restock', () =>
      spec.given([]).when(restock(1)).thenThrows(NotFound, (e) => e.code === 'not_found' && e.details.product === 'MUG-1'));
    it('does not reserve', () => spec.given([]).when(reserve('o-1', 1)).thenThrows(NotFound));
    it('does not release', () => spec.given([]).when(release('o-1', 1)).thenThrows(NotFound));
    it.each([
      ['sku', { sku: '' }],
      ['sku', { sku: 'has space' }],
      ['name', { name: '  ' }],
      ['category', { category: '' }],
      ['priceCents', { priceCents: -1 }],
      ['priceCents', { priceCents: 12.5 }],
      ['currency', { currency: 'eur' }],
      ['merchantId', { merchantId: '' }],
      ['stock', { stock: -1 }],
      ['stock', { stock: Number.NaN }],
    ] as const)('rejects a malformed %s', (field, data) =>
      spec.given([]).when(add(data)).thenThrows(InvalidCommand, (e) => e.details.field === field),
    );
  });

  describe('when listed', () => {
    it('refuses to add the sku again', () =>
      spec.given([productAdded()]).when(add()).thenThrows(IllegalTransition, (e) => e.from === 'listed' && e.code === 'illegal_transition'));
    it('restocks', () => spec.given([productAdded()]).when(restock(5)).then([restocked(5)]));
    it.each([0, -3, 1.5])('refuses to restock by %s', (quantity) =>
      spec.given([productAdded()]).when(restock(quantity)).thenThrows(InvalidCommand, (e) => e.details.field === 'quantity'),
    );
    it('reserves what is available', () => spec.given([productAdded(10)]).when(reserve('o-1', 10)).then([reserved('o-1', 10)]));
    it('rejects a reservation beyond what is available', () =>
      spec
        .given([productAdded(10), reserved('o-1', 7)])
        .when(reserve('o-2', 4))
        .thenThrows(
          CommandRejected,
          (e) => e.code === 'insufficient_stock' && e.details.sku === 'MUG-1' && e.details.requested === 4 && e.details.available === 3,
        ));
    it('counts restocks and releases as available', () =>
      spec.given([productAdded(1), reserved('o-1', 1), restocked(2), released('o-1', 1)]).when(reserve('o-2', 3)).then([reserved('o-2', 3)]));
    it('rejects a non-positive reservation', () =>
      spec.given([productAdded()]).when(reserve('o-1', 0)).thenThrows(InvalidCommand, (e) => e.details.field === 'quantity'));
    it('releases a reservation', () => spec.given([productAdded(), reserved('o-1', 2)]).when(release('o-1', 2)).then([released('o-1', 2)]));
    // which order holds which units is the order's to know: cancelling releases its lines once (cancel-order.test.ts)
    it('rejects releasing more than is reserved', () =>
      spec
        .given([productAdded(), reserved('o-1', 2)])
        .when(release('o-1', 3))
        .thenThrows(CommandRejected, (e) => e.code === 'release_exceeds_reserved' && e.details.reserved === 2));
  });
});

describe('product stock properties', () => {
  const orderIds = ['o-1', 'o-2', 'o-3', 'o-4'];
  const commandArb: fc.Arbitrary<ProductCommand> = fc.oneof(
    fc.integer({ min: -2, max: 20 }).map(restock),
    fc.tuple(fc.constantFrom(...orderIds), fc.integer({ min: -1, max: 15 })).map(([orderId, quantity]) => reserve(orderId, quantity)),
    fc.tuple(fc.constantFrom(...orderIds), fc.integer({ min: 1, max: 15 })).map(([orderId, quantity]) => release(orderId, quantity)),
  );

  /** Decides each command on the state so far, skipping rejected ones; returns every event and state passed through. */
  const run = (initialStock: number, commands: readonly ProductCommand[]) => {
    const events: ProductEvent[] = [productAdded(initialStock)];
    const states: ProductState[] = [fold(productDecider, events)];
    for (const command of commands) {
      const state = states.at(-1)!;
      let decided: readonly ProductEvent[] = [];
      try {
        decided = productDecider.decide(command, state);
      } catch (error) {
        expect(error).toSatisfy((e) => e instanceof CommandRejected || e instanceof InvalidCommand || e instanceof NotFound);
      }
      events.push(...decided);
      states.push(decided.reduce(productDecider.evolve, state));
    }
    return { events, states };
  };

  it('never lets stock on hand or available stock go negative', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(commandArb, { maxLength: 60 }), (stock, commands) => {
        for (const state of run(stock, commands).states) {
          if (state.status !== 'listed') throw new Error('product vanished');
          expect(state.stockOnHand).toBeGreaterThanOrEqual(0);
          expect(state.reserved).toBeGreaterThanOrEqual(0);
          expect(availableStock(state)).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('keeps reserved equal to what was reserved less what was released', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(commandArb, { maxLength: 60 }), (stock, commands) => {
        let held = 0;
        for (const event of run(stock, commands).events) {
          if (event.type === 'StockReserved') held += event.data.quantity;
          if (event.type === 'StockReleased') held -= event.data.quantity;
        }
        const state = run(stock, commands).states.at(-1)!;
        expect(state.status === 'listed' && state.reserved).toBe(held);
      }),
    );
  });

  it('rebuilds the same state from the same stream, every time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(commandArb, { maxLength: 60 }), (stock, commands) => {
        const { events, states } = run(stock, commands);
        const copy = structuredClone(events);
        expect(fold(productDecider, events)).toEqual(states.at(-1));
        expect(fold(productDecider, copy)).toEqual(fold(productDecider, events));
        expect(copy).toEqual(events);
      }),
    );
  });
});
