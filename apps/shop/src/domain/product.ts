// The product decider: catalog entry and stock of one sku; reservations are held per order.
import { CommandRejected, IllegalTransition, InvalidCommand, NotFound, type Command, type Decider, type Event } from '@twofold/core';
import { requireCurrency, requireIdentifier, requireInteger, requireText } from './validate.js';

export const productStream = (sku: string): string => `product-${sku}`;

/** Bounds of single values; sums (stock, order totals) are checked to stay exact JavaScript integers. */
export const maxPriceCents = 100_000_000_000;
export const maxQuantity = 1_000_000_000;

export interface ProductDetails {
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly category: string;
  readonly priceCents: number;
  readonly currency: string;
  readonly merchantId: string;
}

export type AddProduct = Command<'AddProduct', ProductDetails & { readonly stock: number }>;
export type RestockProduct = Command<'RestockProduct', { readonly sku: string; readonly quantity: number }>;
export type ReserveStock = Command<'ReserveStock', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type ReleaseStock = Command<'ReleaseStock', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type ProductCommand = AddProduct | RestockProduct | ReserveStock | ReleaseStock;

export type ProductAdded = Event<'ProductAdded', ProductDetails & { readonly stock: number }>;
export type ProductRestocked = Event<'ProductRestocked', { readonly sku: string; readonly quantity: number }>;
export type StockReserved = Event<'StockReserved', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type StockReleased = Event<'StockReleased', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type ProductEvent = ProductAdded | ProductRestocked | StockReserved | StockReleased;

export const productEventTypes = ['ProductAdded', 'ProductRestocked', 'StockReserved', 'StockReleased'] as const satisfies readonly ProductEvent['type'][];

/**
 * Reservations as a persistent list, newest first: evolve adds one entry and shares the rest, so
 * folding a long product stream stays linear. A release shadows the reservation it ends.
 */
export interface ReservationEntry {
  readonly orderId: string;
  readonly quantity: number;
  readonly released: boolean;
  readonly previous: ReservationEntry | undefined;
}

export interface ListedProduct extends ProductDetails {
  readonly status: 'listed';
  readonly stockOnHand: number;
  /** Units held by open reservations; available = stockOnHand - reserved, never negative. */
  readonly reserved: number;
  readonly reservations: ReservationEntry | undefined;
}

export type ProductState = { readonly status: 'unlisted' } | ListedProduct;

export const initialState: ProductState = { status: 'unlisted' };

export const availableStock = (product: ListedProduct): number => product.stockOnHand - product.reserved;

/** The latest entry for an order's reservation, or undefined if it never reserved this product. */
export function reservationOf(product: ListedProduct, orderId: string): ReservationEntry | undefined {
  for (let entry = product.reservations; entry !== undefined; entry = entry.previous) {
    if (entry.orderId === orderId) return entry;
  }
  return undefined;
}

export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case 'ProductAdded': {
      const { stock, ...details } = event.data;
      return { status: 'listed', ...details, stockOnHand: stock, reserved: 0, reservations: undefined };
    }
    case 'ProductRestocked':
      return state.status === 'listed' ? { ...state, stockOnHand: state.stockOnHand + event.data.quantity } : state;
    case 'StockReserved': {
      if (state.status !== 'listed') return state;
      const { orderId, quantity } = event.data;
      return { ...state, reserved: state.reserved + quantity, reservations: { orderId, quantity, released: false, previous: state.reservations } };
    }
    case 'StockReleased': {
      if (state.status !== 'listed') return state;
      const { orderId, quantity } = event.data;
      return { ...state, reserved: state.reserved - quantity, reservations: { orderId, quantity, released: true, previous: state.reservations } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  switch (command.type) {
    case 'AddProduct': {
      const { sku, name, description, category, priceCents, currency, merchantId, stock } = command.data;
      requireIdentifier('sku', sku, 64);
      requireText('name', name);
      requireText('description', description, { maxLength: 5000, allowEmpty: true });
      requireText('category', category, { maxLength: 100 });
      requireInteger('priceCents', priceCents, 0, maxPriceCents);
      requireCurrency('currency', currency);
      requireText('merchantId', merchantId, { maxLength: 100 });
      requireInteger('stock', stock, 0, maxQuantity);
      if (state.status !== 'unlisted') throw new IllegalTransition('product', state.status, 'add');
      return [{ type: 'ProductAdded', data: { sku, name, description, category, priceCents, currency, merchantId, stock } }];
    }
    case 'RestockProduct': {
      const { sku, quantity } = command.data;
      requireIdentifier('sku', sku, 64);
      requireInteger('quantity', quantity, 1, maxQuantity);
      const product = listed(state, sku);
      if (product.stockOnHand + quantity > Number.MAX_SAFE_INTEGER) {
        throw new CommandRejected('stock_limit', `restocking ${sku} by ${quantity} exceeds the stock limit`, { sku, quantity });
      }
      return [{ type: 'ProductRestocked', data: { sku, quantity } }];
    }
    case 'ReserveStock': {
      const { sku, orderId, quantity } = command.data;
      requireIdentifier('sku', sku, 64);
      requireIdentifier('orderId', orderId);
      requireInteger('quantity', quantity, 1, maxQuantity);
      const product = listed(state, sku);
      if (reservationOf(product, orderId) !== undefined) {
        throw new CommandRejected('reservation_exists', `order ${orderId} already reserved ${sku}`, { sku, orderId });
      }
      const available = availableStock(product);
      if (quantity > available) {
        throw new CommandRejected('insufficient_stock', `only ${available} of ${sku} available, ${quantity} requested`, {
          sku,
          requested: quantity,
          available,
        });
      }
      return [{ type: 'StockReserved', data: { sku, orderId, quantity } }];
    }
    case 'ReleaseStock': {
      const { sku, orderId, quantity } = command.data;
      requireIdentifier('sku', sku, 64);
      requireIdentifier('orderId', orderId);
      requireInteger('quantity', quantity, 1, maxQuantity);
      const reservation = reservationOf(listed(state, sku), orderId);
      if (reservation === undefined) throw new NotFound('reservation', `${orderId} of ${sku}`, 'reservation_not_found');
      // releasing twice is a no-op, so a retried cancellation converges
      if (reservation.released) return [];
      if (reservation.quantity !== quantity) {
        throw new CommandRejected('reservation_mismatch', `order ${orderId} reserved ${reservation.quantity} of ${sku}, not ${quantity}`, {
          sku,
          orderId,
          reserved: reservation.quantity,
          requested: quantity,
        });
      }
      return [{ type: 'StockReleased', data: { sku, orderId, quantity } }];
    }
    default: {
      const unknown: never = command;
      throw new InvalidCommand(`unknown product command ${(unknown as Command).type}`);
    }
  }
}

function listed(state: ProductState, sku: string): ListedProduct {
  if (state.status !== 'listed') throw new NotFound('product', sku);
  return state;
}

export const productDecider: Decider<ProductState, ProductCommand, ProductEvent> = { initialState, evolve, decide };
