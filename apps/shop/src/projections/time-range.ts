// Checks of the times a query filters by: valid instants, in order, within a span.
import { InvalidCommand } from '@twofold/core';

/** A Date both JavaScript and PostgreSQL hold exactly: valid, in the years 1 to 9999. */
export const isStorableDate = (value: unknown): value is Date =>
  value instanceof Date && !Number.isNaN(value.getTime()) && value.getUTCFullYear() >= 1 && value.getUTCFullYear() <= 9999;

/** Throws InvalidCommand naming the field unless the value is undefined or a storable Date. */
export function requireOptionalDate(field: string, value: unknown): asserts value is Date | undefined {
  if (value !== undefined && !isStorableDate(value)) throw new InvalidCommand(`${field} must be a valid date in the years 1 to 9999`, { field });
}

/** Throws InvalidCommand unless `from` is before `to` (when both are given) and the span is at most `maxSpanMs`. */
export function requireRange(from: Date | undefined, to: Date | undefined, maxSpanMs = Number.POSITIVE_INFINITY): void {
  if (from === undefined || to === undefined) return;
  if (from.getTime() >= to.getTime()) throw new InvalidCommand('from must be before to', { field: 'from' });
  if (to.getTime() - from.getTime() > maxSpanMs) {
    throw new InvalidCommand(`from and to may be at most ${maxSpanMs / 86_400_000} days apart`, { field: 'to' });
  }
}
