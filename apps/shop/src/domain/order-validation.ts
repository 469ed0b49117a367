// Checks of a PlaceOrder's data beyond its types: what an HTTP schema may have let through.
import { InvalidCommand } from '@twofold/core';
import type { Customer, OrderLine, PlaceOrderData, ShippingAddress } from './order.js';
import { maxPriceCents, maxQuantity } from './product.js';
import {
  requireArray,
  requireCurrency,
  requireEmail,
  requireIdentifier,
  requireInteger,
  requireObject,
  requireOptionalText,
  requireText,
} from './validate.js';

export const maxOrderLines = 100;

/** Checks a PlaceOrder's data and copies exactly the known fields, so nothing unvalidated reaches the event. */
export function validPlaceOrder(data: PlaceOrderData): PlaceOrderData {
  const { lines } = data;
  requireArray('lines', lines, 1, maxOrderLines);
  const skus = new Set<string>();
  const validLines = lines.map((line: unknown, index): OrderLine => {
    requireObject(`lines[${index}]`, line);
    const { sku, name, quantity, unitPriceCents, merchantId } = line;
    requireIdentifier(`lines[${index}].sku`, sku, 64);
    if (skus.has(sku)) throw new InvalidCommand(`lines[${index}].sku ${sku} appears twice; merge the lines`, { field: `lines[${index}].sku` });
    skus.add(sku);
    requireText(`lines[${index}].name`, name);
    requireInteger(`lines[${index}].quantity`, quantity, 1, maxQuantity);
    requireInteger(`lines[${index}].unitPriceCents`, unitPriceCents, 0, maxPriceCents);
    requireText(`lines[${index}].merchantId`, merchantId, { maxLength: 100 });
    return { sku, name, quantity, unitPriceCents, merchantId };
  });
  return { ...validOrderHeader(data), lines: validLines };
}

/** Checks everything of a PlaceOrder but its lines; placeOrder calls it before pricing them. */
export function validOrderHeader(data: Omit<PlaceOrderData, 'lines'>): Omit<PlaceOrderData, 'lines'> {
  const { orderId, customerId, currency, customer, shippingAddress } = data;
  requireIdentifier('orderId', orderId);
  requireText('customerId', customerId, { maxLength: 100 });
  requireCurrency('currency', currency);
  return {
    orderId,
    customerId,
    currency,
    ...(customer === undefined ? {} : { customer: validCustomer(customer) }),
    ...(shippingAddress === undefined ? {} : { shippingAddress: validAddress(shippingAddress) }),
  };
}

function validCustomer(customer: unknown): Customer {
  requireObject('customer', customer);
  const { name, email } = customer;
  requireText('customer.name', name);
  requireEmail('customer.email', email);
  return { name, email };
}

function validAddress(address: unknown): ShippingAddress {
  requireObject('shippingAddress', address);
  const { line1, line2, city, region, postalCode, country } = address;
  requireText('shippingAddress.line1', line1);
  requireOptionalText('shippingAddress.line2', line2);
  requireText('shippingAddress.city', city, { maxLength: 100 });
  requireOptionalText('shippingAddress.region', region, 100);
  requireText('shippingAddress.postalCode', postalCode, { maxLength: 20 });
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) {
    throw new InvalidCommand('shippingAddress.country must be an ISO 3166-1 alpha-2 code such as DE', { field: 'shippingAddress.country' });
  }
  return {
    line1,
    ...(line2 === undefined ? {} : { line2 }),
    city,
    ...(region === undefined ? {} : { region }),
    postalCode,
    country,
  };
}
