// Test fixture: the shop served over real HTTP on each backend (embedded PGlite, a fresh PostgreSQL database).
import { createTestDatabase } from '@twofold/testing';
import { startShop, type Shop, type ShopOptions } from '../src/shop-server.js';

export interface RunningShop {
  readonly shop: Shop;
  readonly url: string;
  /** The write store's URL, for another process to open. */
  readonly store: string;
  stop(): Promise<void>;
}

export interface ShopBackend {
  readonly name: 'pglite' | 'postgres';
  start(options?: Partial<ShopOptions>): Promise<RunningShop>;
}

export const backends: readonly ShopBackend[] = [
  {
    name: 'pglite',
    async start(options = {}) {
      const shop = await startShop({ store: 'pglite:memory', port: 0, daemon: { pollIntervalMs: 50 }, ...options });
      return { shop, url: shop.url, store: 'pglite:memory', stop: () => shop.close() };
    },
  },
  {
    name: 'postgres',
    async start(options = {}) {
      const database = await createTestDatabase();
      try {
        const shop = await startShop({ store: database.url, port: 0, daemon: { pollIntervalMs: 50 }, ...options });
        return {
          shop,
          url: shop.url,
          store: database.url,
          stop: async () => {
            await shop.close();
            await database.drop();
          },
        };
      } catch (error) {
        await database.drop();
        throw error;
      }
    },
  },
];

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** One JSON request; the body is sent as given when it is a string (to send malformed JSON). */
export async function request(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: the test will say so
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export const product = (sku: string, stock: number, priceCents = 1_000) => ({
  sku,
  name: `Product ${sku}`,
  description: `A fine ${sku}`,
  category: 'kitchen',
  priceCents,
  currency: 'EUR',
  merchantId: 'm-1',
  stock,
});
