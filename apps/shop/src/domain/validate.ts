// Guards for command data at the domain's edge: each throws InvalidCommand naming the field; bounds come from limits.ts.
import { InvalidCommand } from '@twofold/core';
import { currencyPattern, emailPattern, identifierPattern, limits, storableTextPattern } from './limits.js';

const identifier = new RegExp(identifierPattern);
const currency = new RegExp(currencyPattern);
const email = new RegExp(emailPattern, 'u');
const storable = new RegExp(storableTextPattern, 'u');

const invalid = (field: string, rule: string): InvalidCommand => new InvalidCommand(`${field} ${rule}`, { field });

/** An id that becomes part of a stream name (`order-<id>`): letters, digits, `.`, `_`, `:`, `-`. */
export function requireIdentifier(field: string, value: unknown, maxLength: number = limits.idLength): asserts value is string {
  if (typeof value !== 'string' || value.length > maxLength || !identifier.test(value)) {
    throw invalid(field, `must be 1 to ${maxLength} letters, digits, '.', '_', ':' or '-', starting with a letter or digit`);
  }
}

/** Text of at most maxLength UTF-16 units; no NUL and no lone surrogate, which no database stores as text. */
export function requireText(
  field: string,
  value: unknown,
  { maxLength = limits.nameLength, allowEmpty = false }: { maxLength?: number; allowEmpty?: boolean } = {},
): asserts value is string {
  if (typeof value !== 'string' || value.length > maxLength || (!allowEmpty && value.trim() === '')) {
    throw invalid(field, `must be ${allowEmpty ? 'a' : 'a non-blank'} string of at most ${maxLength} characters`);
  }
  if (!isStorableText(value)) throw invalid(field, 'must not contain NUL characters or unpaired surrogates');
}

/** Text a database can store: no NUL character and no unpaired surrogate (PostgreSQL refuses both). */
export const isStorableText = (value: string): boolean => storable.test(value);

export function requireOptionalText(field: string, value: unknown, maxLength: number = limits.nameLength): asserts value is string | undefined {
  if (value !== undefined) requireText(field, value, { maxLength });
}

/** An integer in [min, max]; money is integer minor units, quantities are whole units. */
export function requireInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`);
  }
}

export function requireCurrency(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !currency.test(value)) throw invalid(field, 'must be an ISO 4217 code such as EUR');
}

export function requireEmail(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > limits.emailLength || !email.test(value)) throw invalid(field, 'must be an email address');
  requireText(field, value, { maxLength: limits.emailLength });
}

export function requireObject(field: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
}

export function requireArray(field: string, value: unknown, minLength: number, maxLength: number): asserts value is readonly unknown[] {
  if (!Array.isArray(value) || value.length < minLength || value.length > maxLength) {
    throw invalid(field, `must be a list of ${minLength} to ${maxLength} items`);
  }
}
