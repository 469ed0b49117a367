// Checks of a PlaceOrder's data beyond its types: what an HTTP schema may have let through.
import { InvalidCommand } from '@twofold/core';
import { countryPattern, limits } from './limits.js';
import type { Customer, OrderLine, PlaceOrderData, ShippingAddress } from './order-messages.js';
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

/** Checks a PlaceOrder's data and copies exactly the known fields, so nothing unvalidated reaches the event. */
export function validPlaceOrder(data: PlaceOrderData): PlaceOrderData {
  const { lines } = data;
  requireArray('lines', lines, 1, limits.maxOrderLines);
  const skus = new Set<string>();
  const validLines = lines.map((line: unknown, index): OrderLine => {
    requireObject(`lines[${index}]`, line);
    const { sku, name, quantity, unitPriceCents, merchantId } = line;
    requireIdentifier(`lines[${index}].sku`, sku);
    if (skus.has(sku)) throw new InvalidCommand(`lines[${index}].sku ${sku} appears twice; merge the lines`, { field: `lines[${index}].sku` });
    skus.add(sku);
    requireText(`lines[${index}].name`, name, { maxLength: limits.nameLength });
    requireInteger(`lines[${index}].quantity`, quantity, 1, limits.maxLineQuantity);
    requireInteger(`lines[${index}].unitPriceCents`, unitPriceCents, 0, limits.maxAmountCents);
    requireIdentifier(`lines[${index}].merchantId`, merchantId);
    return { sku, name, quantity, unitPriceCents, merchantId };
  });
  return { ...validOrderHeader(data), lines: validLines };
}

/** Checks everything of a PlaceOrder but its lines; placeOrder calls it before pricing them. */
export function validOrderHeader(data: Omit<PlaceOrderData, 'lines'>): Omit<PlaceOrderData, 'lines'> {
  const { orderId, customerId, currency, customer, shippingAddress } = data;
  requireIdentifier('orderId', orderId);
  requireIdentifier('customerId', customerId);
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
  requireText('customer.name', name, { maxLength: limits.nameLength });
  requireEmail('customer.email', email);
  return { name, email };
}

function validAddress(address: unknown): ShippingAddress {
  requireObject('shippingAddress', address);
  const { line1, line2, city, region, postalCode, country } = address;
  requireText('shippingAddress.line1', line1, { maxLength: limits.addressLineLength });
  if (line2 !== undefined) requireText('shippingAddress.line2', line2, { maxLength: limits.addressLineLength, allowEmpty: true });
  requireText('shippingAddress.city', city, { maxLength: limits.cityLength });
  requireOptionalText('shippingAddress.region', region, limits.regionLength);
  requireText('shippingAddress.postalCode', postalCode, { maxLength: limits.postalCodeLength });
  if (typeof country !== 'string' || !new RegExp(countryPattern).test(country)) {
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
