// Requests the HTTP benchmarks send to the shop: products to seed, orders to place.
import type { HttpClient } from './http-client.js';

export const productBody = (k: number): Record<string, unknown> => ({
  sku: `sku-${k}`,
  name: `Product ${k}`,
  description: `A benchmark product, number ${k}`,
  category: `cat-${k % 20}`,
  priceCents: 1_000 + k,
  currency: 'EUR',
  merchantId: `m-${k % 20}`,
  stock: 10_000_000,
});

/** An order of one unit of `sku` (default: a random one of the first `products`), with an id the client chooses (so it can be read back). */
export const orderBody = (orderId: string, products: number, sequence: number, sku = `sku-${Math.floor(Math.random() * products)}`): Record<string, unknown> => ({
  orderId,
  customerId: `c-${sequence % 1_000}`,
  currency: 'EUR',
  lines: [{ sku, quantity: 1 }],
  customer: { name: `Customer ${sequence % 1_000}`, email: `c${sequence % 1_000}@example.com` },
});

/** Runs `count` requests with `concurrency` in flight. */
export async function inParallel(count: number, concurrency: number, request: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await request(next++);
    }),
  );
}

export async function addProducts(client: HttpClient, products: number): Promise<void> {
  await inParallel(products, 8, (k) => client.expect(202, 'POST', '/api/products', productBody(k)));
}
