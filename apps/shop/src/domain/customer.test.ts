import { deciderSpecification } from '@twofold/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { customerDecider, customerOfStream, customerStream, type CustomerEvent, type ForgetCustomer } from './customer.js';

const metadata = { now: new Date('2026-12-06T12:00:00.000Z'), correlationId: 'c-1' };
const spec = deciderSpecification(customerDecider);
const forget = (keysDeleted: number): ForgetCustomer => ({ type: 'ForgetCustomer', data: { customerId: 'c-7', keysDeleted }, metadata });
const forgotten: CustomerEvent = { type: 'CustomerForgotten', data: { customerId: 'c-7', forgottenAt: '2026-12-06T12:00:00.000Z' } };

describe('forgetting a customer', () => {
  describe('when never forgotten', () => {
    it('records it, with or without a key deleted (a customer who never gave personal data is forgotten too)', () => {
      spec.given([]).when(forget(1)).then([forgotten]);
      spec.given([]).when(forget(0)).then([forgotten]);
    });
  });

  describe('when forgotten', () => {
    it('records nothing more: a repeat is a no-op', () => {
      spec.given([forgotten]).when(forget(0)).then([]);
    });

    it('records it again when a key was deleted: the customer came back and gave personal data since', () => {
      spec.given([forgotten]).when(forget(1)).then([forgotten]);
    });
  });

  it('names the stream after the customer, and reads the customer back from it', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/), (id) => {
      expect(customerOfStream(customerStream(id))).toBe(id);
    }));
    expect(customerOfStream('order-1')).toBeUndefined();
  });
});
