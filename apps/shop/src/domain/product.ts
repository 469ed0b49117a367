// The product decider: catalog entry and stock of one sku; which order holds which units is the order's to know.
import { CommandRejected, IllegalTransition, InvalidCommand, NotFound, streamModel, type Command, type Decider, type Event } from '@twofold/core';
import { limits } from './limits.js';
import { requireCurrency, requireIdentifier, requireInteger, requireText } from './validate.js';

export const productStream = (sku: string): string => `product-${sku}`;


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
/** v2: `added` (v1 called it `quantity`, which read as the new stock level as easily as the amount added). */
export type ProductRestocked = Event<'ProductRestocked', { readonly sku: string; readonly added: number }>;
export type StockReserved = Event<'StockReserved', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type StockReleased = Event<'StockReleased', { readonly sku: string; readonly orderId: string; readonly quantity: number }>;
export type ProductEvent = ProductAdded | ProductRestocked | StockReserved | StockReleased;

export const productEventTypes = ['ProductAdded', 'ProductRestocked', 'StockReserved', 'StockReleased'] as const satisfies readonly ProductEvent['type'][];

export interface ListedProduct extends ProductDetails {
  readonly status: 'listed';
  readonly stockOnHand: number;
  /**
   * Units held by orders; available = stockOnHand - reserved, never negative. Which order holds what is
   * the order's to know (its lines and status decide every release), so the state stays the same size
   * however long the product's history grows.
   */
  readonly reserved: number;
}

export type ProductState = { readonly status: 'unlisted' } | ListedProduct;

export const initialState: ProductState = { status: 'unlisted' };

export const availableStock = (product: ListedProduct): number => product.stockOnHand - product.reserved;

export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case 'ProductAdded': {
      const { stock, ...details } = event.data;
      return { status: 'listed', ...details, stockOnHand: stock, reserved: 0 };
    }
    case 'ProductRestocked':
      return state.status === 'listed' ? { ...state, stockOnHand: state.stockOnHand + event.data.added } : state;
    case 'StockReserved': {
      if (state.status !== 'listed') return state;
      return { ...state, reserved: state.reserved + event.data.quantity };
    }
    case 'StockReleased': {
      if (state.status !== 'listed') return state;
      return { ...state, reserved: state.reserved - event.data.quantity };
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
      requireIdentifier('sku', sku);
      requireText('name', name);
      requireText('description', description, { maxLength: limits.descriptionLength, allowEmpty: true });
      requireText('category', category, { maxLength: limits.categoryLength });
      requireInteger('priceCents', priceCents, 0, limits.maxAmountCents);
      requireCurrency('currency', currency);
      requireIdentifier('merchantId', merchantId);
      requireInteger('stock', stock, 0, limits.maxStockQuantity);
      if (state.status !== 'unlisted') throw new IllegalTransition('product', state.status, 'add');
      return [{ type: 'ProductAdded', data: { sku, name, description, category, priceCents, currency, merchantId, stock } }];
    }
    case 'RestockProduct': {
      const { sku, quantity } = command.data;
      requireIdentifier('sku', sku);
      requireInteger('quantity', quantity, 1, limits.maxStockQuantity);
      const product = listed(state, sku);
      if (product.stockOnHand + quantity > Number.MAX_SAFE_INTEGER) {
        throw new CommandRejected('stock_limit', `restocking ${sku} by ${quantity} exceeds the stock limit`, { sku, quantity });
      }
      return [{ type: 'ProductRestocked', data: { sku, added: quantity } }];
    }
    case 'ReserveStock': {
      const { sku, orderId, quantity } = command.data;
      requireIdentifier('sku', sku);
      requireIdentifier('orderId', orderId);
      requireInteger('quantity', quantity, 1, limits.maxLineQuantity);
      const product = listed(state, sku);
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
      requireIdentifier('sku', sku);
      requireIdentifier('orderId', orderId);
      requireInteger('quantity', quantity, 1, limits.maxLineQuantity);
      const product = listed(state, sku);
      // the order releases its own lines once (its status says whether it did); this guards the sum
      if (quantity > product.reserved) {
        throw new CommandRejected('release_exceeds_reserved', `only ${product.reserved} of ${sku} are reserved, ${quantity} released`, {
          sku,
          orderId,
          reserved: product.reserved,
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

/** Product streams grow with every order: their state is snapshotted every 200 events. */
export const productModel = streamModel('product', productDecider, { version: 1, every: 200 });
