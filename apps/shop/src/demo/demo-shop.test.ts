import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limits } from '../domain/index.js';
import { demoCatalog, demoOrder, finalStatus } from './demo-shop.js';
import { seededRandom } from './seeded-random.js';

const catalog = demoCatalog();
const seedValues = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

describe('the demo shop', () => {
  it('has a catalog that is the same every time, with unique skus', () => {
    expect(demoCatalog()).toEqual(catalog);
    expect(new Set(catalog.map((p) => p.sku)).size).toBe(catalog.length);
  });

  it('makes order i of a seed value the same every time: a valid order in one currency, priced from the catalog (property)', () => {
    fc.assert(
      fc.property(seedValues, fc.nat(1_000_000), (seedValue, index) => {
        const order = demoOrder(catalog, seedValue, index);
        expect(demoOrder(catalog, seedValue, index)).toEqual(order);
        expect(order.orderId.length).toBeLessThanOrEqual(limits.idLength);
        expect(order.lines.length).toBeGreaterThan(0);
        expect(new Set(order.lines.map((l) => l.sku)).size).toBe(order.lines.length);
        const total = order.lines.reduce((sum, line) => {
          const product = catalog.find((p) => p.sku === line.sku);
          expect(product?.currency).toBe(order.currency);
          return sum + product!.priceCents * line.quantity;
        }, 0);
        expect(order.totalCents).toBe(total);
        expect(['placed', 'paid', 'shipped', 'delivered', 'cancelled']).toContain(finalStatus(order));
      }),
    );
  });

  it('gives different orders different ids (property)', () => {
    fc.assert(
      fc.property(seedValues, seedValues, fc.nat(999_999), fc.nat(999_999), (a, b, i, j) => {
        fc.pre(a !== b || i !== j);
        expect(demoOrder(catalog, a, i).orderId).not.toBe(demoOrder(catalog, b, j).orderId);
      }),
    );
  });

  it('draws the same numbers from the same seed', () => {
    const draw = (seed: string) => Array.from({ length: 5 }, seededRandom(seed).next);
    expect(draw('x')).toEqual(draw('x'));
    expect(draw('x')).not.toEqual(draw('y'));
  });
});
