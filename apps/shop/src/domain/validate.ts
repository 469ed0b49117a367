// Guards for command data that slipped past the HTTP schemas: each throws InvalidCommand naming the field.
import { InvalidCommand } from '@twofold/core';

const identifierPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const currencyPattern = /^[A-Z]{3}$/;
const emailPattern = /^[^\s@]+@[^\s@]+$/;

const invalid = (field: string, rule: string): InvalidCommand => new InvalidCommand(`${field} ${rule}`, { field });

/** An id that becomes part of a stream name (`order-<id>`): letters, digits, `.`, `_`, `:`, `-`. */
export function requireIdentifier(field: string, value: unknown, maxLength = 100): asserts value is string {
  if (typeof value !== 'string' || value.length > maxLength || !identifierPattern.test(value)) {
    throw invalid(field, `must be 1 to ${maxLength} letters, digits, '.', '_', ':' or '-', starting with a letter or digit`);
  }
}

export function requireText(field: string, value: unknown, { maxLength = 200, allowEmpty = false } = {}): asserts value is string {
  if (typeof value !== 'string' || value.length > maxLength || (!allowEmpty && value.trim() === '')) {
    throw invalid(field, `must be ${allowEmpty ? 'a' : 'a non-blank'} string of at most ${maxLength} characters`);
  }
}

export function requireOptionalText(field: string, value: unknown, maxLength = 200): asserts value is string | undefined {
  if (value !== undefined) requireText(field, value, { maxLength });
}

/** An integer in [min, max]; money is integer minor units, quantities are whole units. */
export function requireInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`);
  }
}

export function requireCurrency(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !currencyPattern.test(value)) throw invalid(field, 'must be an ISO 4217 code such as EUR');
}

export function requireEmail(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > 320 || !emailPattern.test(value)) throw invalid(field, 'must be an email address');
}

export function requireObject(field: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object');
}

export function requireArray(field: string, value: unknown, minLength: number, maxLength: number): asserts value is readonly unknown[] {
  if (!Array.isArray(value) || value.length < minLength || value.length > maxLength) {
    throw invalid(field, `must be a list of ${minLength} to ${maxLength} items`);
  }
}
