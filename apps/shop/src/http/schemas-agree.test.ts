import { Value } from '@sinclair/typebox/value';
import { InvalidCommand } from '@twofold/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limits } from '../domain/limits.js';
import { validOrderHeader } from '../domain/order-validation.js';
import { mergeLines } from '../domain/place-order.js';
import { productDecider } from '../domain/product.js';
import { AddProductBody, PlaceOrderBody } from './schemas.js';

const metadata = { now: new Date(0), correlationId: 'c' };
/** Strings whose length sits on either side of a bound, of letters, spaces and accents. */
const textNear = (maxLength: number) =>
  fc
    .constantFrom(0, 1, 2, maxLength - 1, maxLength, maxLength + 1)
    .chain((length) => fc.array(fc.constantFrom('a', 'Z', ' ', 'é', '-', '7'), { minLength: Math.max(0, length), maxLength: Math.max(0, length) }))
    .map((chars) => chars.join(''));
const integerNear = (...bounds: number[]) => fc.oneof(...bounds.flatMap((b) => [b - 1, b, b + 1].map((n) => fc.constant(n))), fc.double({ min: -1, max: 2 }));

/** True when the domain's guards accept the value, false when they refuse it as malformed input. */
const domainAccepts = (check: () => unknown): boolean => {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof InvalidCommand) return false;
    throw error;
  }
};

/** A valid body with one field (or none) replaced by a value from its arbitrary: each bound is judged on its own. */
function oneFieldOff<T extends Record<string, unknown>>(valid: T, fields: { readonly [K in keyof T]?: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  const variants = Object.entries(fields).map(([key, arbitrary]) => (arbitrary as fc.Arbitrary<unknown>).map((value) => ({ ...valid, [key]: value }) as T));
  return fc.oneof(fc.constant(valid), ...variants);
}

describe('HTTP schemas and domain guards draw on the same limits', () => {
  it('accept and refuse exactly the same products', () => {
    const valid = { sku: 'S-1', name: 'Mug', description: '', category: 'kitchen', priceCents: 100, currency: 'EUR', merchantId: 'm-1', stock: 1 };
    const body = oneFieldOff<typeof valid>(valid, {
      sku: textNear(limits.idLength),
      name: textNear(limits.nameLength),
      description: textNear(limits.descriptionLength),
      category: textNear(limits.categoryLength),
      priceCents: integerNear(0, limits.maxAmountCents),
      currency: fc.constantFrom('EUR', 'eur', 'EURO'),
      merchantId: textNear(limits.idLength),
      stock: integerNear(0, limits.maxStockQuantity),
    });
    fc.assert(
      fc.property(body, (data) => {
        const domain = domainAccepts(() => productDecider.decide({ type: 'AddProduct', data, metadata }, { status: 'unlisted' }));
        expect(Value.Check(AddProductBody, data)).toBe(domain);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accept and refuse exactly the same orders', () => {
    const line = fc.record({ sku: textNear(limits.idLength), quantity: integerNear(1, limits.maxLineQuantity) });
    const valid = {
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      lines: [{ sku: 'S-1', quantity: 1 }],
      customer: { name: 'Ada', email: 'a@b' },
      shippingAddress: { line1: 'x', line2: '', city: 'y', region: 'z', postalCode: '1', country: 'DE' },
    };
    const body = oneFieldOff<typeof valid>(valid, {
      orderId: textNear(limits.idLength),
      customerId: textNear(limits.idLength),
      currency: fc.constantFrom('EUR', 'Eur'),
      lines: fc.oneof(fc.array(line, { minLength: 0, maxLength: 3 }), fc.constant(Array.from({ length: limits.maxOrderLines + 1 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })))),
      customer: oneFieldOff(valid.customer, {
        name: textNear(limits.nameLength),
        email: fc.constantFrom('a@b', 'ab', `${'x'.repeat(limits.emailLength - 2)}@b`, `${'x'.repeat(limits.emailLength)}@b`),
      }),
      shippingAddress: oneFieldOff(valid.shippingAddress, {
        line1: textNear(limits.addressLineLength),
        line2: textNear(limits.addressLineLength),
        city: textNear(limits.cityLength),
        region: textNear(limits.regionLength),
        postalCode: textNear(limits.postalCodeLength),
        country: fc.constantFrom('DE', 'de', 'DEU'),
      }),
    });
    fc.assert(
      fc.property(body, (data) => {
        // lines naming one sku twice are merged by the domain: keep skus distinct so both judge the same lines
        fc.pre(new Set(data.lines.map((l) => l.sku)).size === data.lines.length);
        const domain = domainAccepts(() => (validOrderHeader(data), mergeLines(data.lines)));
        expect(Value.Check(PlaceOrderBody, data)).toBe(domain);
      }),
      { numRuns: 2_000 },
    );
  });
});
