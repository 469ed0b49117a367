// The whole product catalog, read a page at a time: the place-order form offers it, the merchants view names merchants from it.
import { get, query, type ApiError, type Freshness } from './api.js';
import type { Product, ProductPage } from './shop-types.js';

export interface Catalog {
  readonly products: Product[];
  /** How fresh the last page read is. */
  readonly freshness: Freshness | undefined;
  /** Why a page could not be read; `products` then holds the pages before it. */
  readonly error: ApiError | undefined;
}

export async function readCatalog(): Promise<Catalog> {
  const products: Product[] = [];
  let cursor: string | undefined;
  let freshness: Freshness | undefined;
  // a demo catalog is small; stop at 1,000 products all the same
  for (let page = 0; page < 5; page += 1) {
    const result = await get<ProductPage>(`/api/products${query({ limit: 200, cursor })}`);
    if (!result.ok) return { products, freshness, error: result.error };
    products.push(...result.body.items);
    freshness = result.freshness;
    cursor = result.body.nextCursor;
    if (cursor === undefined) break;
  }
  return { products, freshness, error: undefined };
}
