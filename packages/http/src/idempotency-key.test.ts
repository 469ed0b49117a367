// The Idempotency-Key header parser and the request hash, as properties.
import { InvalidCommand } from '@twofold/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyKeyOf, requestHashOf } from './idempotency-key.js';

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 200 });

describe('idempotencyKeyOf', () => {
  it('accepts every key of 1 to 200 printable ASCII characters as it is, and no header as none', () => {
    fc.assert(fc.property(printable, (key) => idempotencyKeyOf(key) === key));
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
  });

  it('refuses anything else with InvalidCommand naming the header', () => {
    const bad = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 201, maxLength: 400 }).filter((s) => s.length > 200),
      fc.tuple(printable, fc.integer({ min: 0, max: 0xffff }).filter((c) => c < 0x20 || c > 0x7e), fc.nat()).map(([s, c, at]) => {
        const cut = at % (s.length + 1);
        return `${s.slice(0, cut)}${String.fromCharCode(c)}${s.slice(cut)}`.slice(0, 200);
      }),
      fc.array(printable, { minLength: 2, maxLength: 3 }),
    );
    fc.assert(
      fc.property(bad, (header) => {
        try {
          idempotencyKeyOf(header);
          return false;
        } catch (error) {
          return error instanceof InvalidCommand && error.details['header'] === 'Idempotency-Key';
        }
      }),
    );
  });
});

/** JSON with every object's keys sorted. */
const sorted = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );

describe('requestHashOf', () => {
  it('ignores key order, and tells different bodies apart', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue(), (body, other) => {
        const reversed = Object.fromEntries(Object.entries(body).reverse());
        expect(requestHashOf({ id: 'x' }, reversed)).toBe(requestHashOf({ id: 'x' }, body));
        if (sorted(other) !== sorted(body)) expect(requestHashOf({ id: 'x' }, other)).not.toBe(requestHashOf({ id: 'x' }, body));
        expect(requestHashOf({ id: 'y' }, body)).not.toBe(requestHashOf({ id: 'x' }, body));
      }),
    );
  });
});
