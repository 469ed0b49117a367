// Single-stream product commands; reserving and releasing stock come with placing and cancelling orders.
import { singleStreamDecider, type AppendResult, type CommandMetadata, type CommandProcessor } from '@twofold/core';
import { productDecider, productModel, productStream, type AddProduct, type RestockProduct } from './product.js';

const addProductDecider = singleStreamDecider('AddProduct', productModel, (c: AddProduct) => productStream(c.data.sku), productDecider.decide);
const restockProductDecider = singleStreamDecider('RestockProduct', productModel, (c: RestockProduct) => productStream(c.data.sku), productDecider.decide);

/** Throws IllegalTransition if the sku exists, InvalidCommand for malformed data. */
export const addProduct = (processor: CommandProcessor, data: AddProduct['data'], metadata: CommandMetadata): Promise<AppendResult> =>
  processor.execute(addProductDecider, { type: 'AddProduct', data, metadata });

/** Throws NotFound('product', sku) for an unknown sku, InvalidCommand unless quantity is a positive integer. */
export const restockProduct = (processor: CommandProcessor, data: RestockProduct['data'], metadata: CommandMetadata): Promise<AppendResult> =>
  processor.execute(restockProductDecider, { type: 'RestockProduct', data, metadata });
