import { PGlite } from '@electric-sql/pglite';
import type { SqlSession } from '@twofold/postgres';
import { projectionSpecification, sqlProjectionTestStore, storedEvents, type GivenEvent } from '@twofold/testing';
import { InvalidCommand } from '@twofold/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productStream, type ProductDetails, type ProductEvent } from '../../domain/product.js';
import { productCatalog } from './product-catalog.js';
import { getProduct, searchProducts, type ProductSearch } from './product-catalog-queries.js';

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
}, 30_000);
afterAll(() => db?.close());

const store = () => sqlProjectionTestStore<SqlSession>(db, { tables: ['product_catalog'] });
const spec = () => projectionSpecification({ projection: productCatalog, store: store() });

const on = (sku: string, event: ProductEvent): GivenEvent => ({ ...event, streamId: productStream(sku) });
const added = (details: Partial<ProductDetails> & { sku: string }, stock = 10): GivenEvent =>
  on(details.sku, {
    type: 'ProductAdded',
    data: {
      name: `Product ${details.sku}`,
      description: '',
      category: 'misc',
      priceCents: 1000,
      currency: 'EUR',
      merchantId: 'm-1',
      ...details,
      stock,
    },
  });
const restocked = (sku: string, quantity: number) => on(sku, { type: 'ProductRestocked', data: { sku, added: quantity } });
const reserved = (sku: string, orderId: string, quantity: number) => on(sku, { type: 'StockReserved', data: { sku, orderId, quantity } });
const released = (sku: string, orderId: string, quantity: number) => on(sku, { type: 'StockReleased', data: { sku, orderId, quantity } });

describe('productCatalog', () => {
  it('lists an added product', () =>
    spec()
      .givenEvents([added({ sku: 'MUG-1', name: 'Blue mug', description: 'Holds tea', category: 'kitchen', priceCents: 1250 }, 7)])
      .thenReadModel(async (session) => {
        expect(await getProduct(session, 'MUG-1')).toEqual({
          sku: 'MUG-1',
          name: 'Blue mug',
          description: 'Holds tea',
          category: 'kitchen',
          priceCents: 1250,
          currency: 'EUR',
          merchantId: 'm-1',
          stockOnHand: 7,
          reserved: 0,
          available: 7,
          updatedAt: new Date('2025-01-01T00:00:00.000Z'),
          lastPosition: 1,
        });
        expect(await getProduct(session, 'NOPE')).toBeUndefined();
      }));

  it('tracks stock on hand, reservations and what is available', () =>
    spec()
      .givenEvents([
        added({ sku: 'A' }, 5),
        added({ sku: 'B' }, 1),
        reserved('A', 'o-1', 2),
        reserved('A', 'o-2', 3),
        reserved('B', 'o-2', 1),
        restocked('A', 4),
        released('A', 'o-1', 2),
        reserved('A', 'o-3', 1),
      ])
      .thenReadModel(async (session) => {
        expect(await getProduct(session, 'A')).toMatchObject({ stockOnHand: 9, reserved: 4, available: 5, lastPosition: 8 });
        expect(await getProduct(session, 'B')).toMatchObject({ stockOnHand: 1, reserved: 1, available: 0, lastPosition: 5 });
      }));

  it('adds nothing twice when a batch overlaps one already applied', async () => {
    const open = await store()();
    await open.transaction((session) => productCatalog.setup!(session));
    const events = storedEvents([added({ sku: 'A' }, 5), reserved('A', 'o-1', 2), restocked('A', 3), reserved('A', 'o-2', 1)]);
    for (const batch of [events.slice(0, 2), events.slice(1, 3), events.slice(0, 4), events.slice(2)]) {
      await open.transaction((session) => productCatalog.apply(batch, session));
    }
    expect(await getProduct(db, 'A')).toMatchObject({ stockOnHand: 8, reserved: 3, available: 5, lastPosition: 4 });
  });
});

describe('searchProducts', () => {
  const catalog = [
    added({ sku: 'MUG-1', name: 'Blue mug', description: 'A ceramic mug for tea', category: 'kitchen', priceCents: 1200 }, 3),
    added({ sku: 'MUG-2', name: 'Travel mug', description: 'Keeps coffee hot', category: 'kitchen', priceCents: 2500 }, 1),
    added({ sku: 'TEA-1', name: 'Green tea', description: 'Loose leaves', category: 'grocery', priceCents: 800 }, 0),
    added({ sku: 'PEN-1', name: 'Fountain pen', description: 'Writes smoothly', category: 'office', priceCents: 4000 }, 2),
    reserved('MUG-2', 'o-1', 1),
  ];
  const skus = async (session: SqlSession, search: ProductSearch) => (await searchProducts(session, search)).items.map((p) => p.sku);

  it('finds products by words of name, description, category or sku, stemmed', () =>
    spec()
      .givenEvents(catalog)
      .thenReadModel(async (session) => {
        expect(await skus(session, { q: 'mugs' })).toEqual(['MUG-1', 'MUG-2']);
        expect(await skus(session, { q: 'tea' })).toEqual(['TEA-1', 'MUG-1']);
        expect(await skus(session, { q: 'kitchen -travel' })).toEqual(['MUG-1']);
        expect(await skus(session, { q: 'pen-1' })).toEqual(['PEN-1']);
        expect(await skus(session, { q: 'nothing matches this' })).toEqual([]);
        expect(await skus(session, { q: 'the' })).toEqual([]);
        expect(await skus(session, { q: '  ' })).toEqual(['MUG-1', 'MUG-2', 'PEN-1', 'TEA-1']);
        expect(await skus(session, { q: `'"():&|!*` })).toEqual([]);
      }));

  it('filters by category, price range and stock', () =>
    spec()
      .givenEvents(catalog)
      .thenReadModel(async (session) => {
        expect(await skus(session, { category: 'kitchen' })).toEqual(['MUG-1', 'MUG-2']);
        expect(await skus(session, { minPriceCents: 1000, maxPriceCents: 2500 })).toEqual(['MUG-1', 'MUG-2']);
        expect(await skus(session, { inStock: true })).toEqual(['MUG-1', 'PEN-1']);
        expect(await skus(session, { q: 'mug', inStock: true, maxPriceCents: 1200 })).toEqual(['MUG-1']);
      }));

  it('pages through results with a cursor, with and without text', () =>
    spec()
      .givenEvents([...catalog, ...['A', 'B', 'C', 'D', 'E'].map((x) => added({ sku: `MUG-${x}`, name: `Mug ${x}`, description: x === 'C' ? 'mug mug' : '' }))])
      .thenReadModel(async (session) => {
        for (const search of [{}, { q: 'mug' }, { category: 'misc' }] satisfies ProductSearch[]) {
          const all = await skus(session, search);
          const paged: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await searchProducts(session, { ...search, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
            expect(page.items.length).toBeLessThanOrEqual(2);
            paged.push(...page.items.map((p) => p.sku));
            cursor = page.nextCursor;
          } while (cursor !== undefined);
          expect(paged).toEqual(all);
        }
        await expect(searchProducts(session, { cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'invalid_input' });
        await expect(searchProducts(session, { limit: 201 })).rejects.toMatchObject({ code: 'invalid_input' });
      }));
});

describe('search input that once gave 500s', () => {
  const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  /** Resolves, or refuses as the client's error: never any other failure. */
  const answersOrRefuses = async (search: () => Promise<unknown>) => {
    try {
      await search();
    } catch (error) {
      expect(error, String(error)).toBeInstanceOf(InvalidCommand);
    }
  };

  it('refuses or answers operator-heavy text, out-of-range and NUL cursors, and never fails otherwise', async () => {
    const open = await store()();
    await open.transaction((session) => productCatalog.setup!(session));
    await expect(searchProducts(db, { q: `a ${'-'.repeat(40)}` })).resolves.toMatchObject({ items: [] });
    await expect(searchProducts(db, { q: `a ${'- '.repeat(40)}` })).resolves.toMatchObject({ items: [] });
    for (const key of [[1e39, 'a'], [1e-50, 'a'], [1.79e308, 'a'], [0.5, 'a\u0000b'], [0.5, '\ud800']]) {
      await expect(searchProducts(db, { cursor: cursorOf(key) })).rejects.toSatisfy((e) => e instanceof InvalidCommand && e.details.field === 'cursor');
    }
    await expect(searchProducts(db, { q: 'mug\u0000' })).rejects.toSatisfy((e) => e instanceof InvalidCommand && e.details.field === 'q');
    const word = fc.constantFrom('-', ' ', 'a', 'mug', 'OR', '"', '(', ')', '|', '!', '&', ':', '*', '\\', "'", '<->', '-a', '--');
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 80 }).map((parts) => parts.join('')), async (q) => answersOrRefuses(() => searchProducts(db, { q }))),
      { numRuns: 300 },
    );
    const part = fc.oneof(fc.double(), fc.string({ unit: 'binary', maxLength: 8 }), fc.integer(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 3 }), async (key) => answersOrRefuses(() => searchProducts(db, { cursor: cursorOf(key) }))),
      { numRuns: 300 },
    );
  });
});
