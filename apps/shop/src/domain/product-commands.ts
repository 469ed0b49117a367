// Single-stream product commands, handled over an event store.
import { handleCommand, type AppendResult, type CommandHandlerOptions, type CommandMetadata, type EventStore } from '@twofold/core';
import { productDecider, productStream, type AddProduct, type RestockProduct } from './product.js';

/** Throws IllegalTransition if the sku exists, InvalidCommand for malformed data. */
export const addProduct = async (
  store: EventStore,
  data: AddProduct['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> =>
  handleCommand(store, productDecider, productStream(data.sku), { type: 'AddProduct', data, metadata }, options);

/** Throws NotFound('product', sku) for an unknown sku, InvalidCommand unless quantity is a positive integer. */
export const restockProduct = async (
  store: EventStore,
  data: RestockProduct['data'],
  metadata: CommandMetadata,
  options?: CommandHandlerOptions,
): Promise<AppendResult> =>
  handleCommand(store, productDecider, productStream(data.sku), { type: 'RestockProduct', data, metadata }, options);
