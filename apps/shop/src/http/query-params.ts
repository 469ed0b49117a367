// Parsing query-string values the schemas leave as text: ISO 8601 instants.
import { InvalidCommand } from '@twofold/core';

// a date (midnight UTC) or a date-time with Z or an offset; a time without a zone would depend on the server's
const isoInstant = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The instant an ISO 8601 string names, or undefined when absent; throws InvalidCommand naming the
 * field otherwise. A space before the offset is read as `+`: an unencoded `+` in a URL arrives as one.
 */
export function parseInstant(field: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const text = value.replace(/ (\d{2}:\d{2})$/, '+$1');
  const match = isoInstant.exec(text);
  const at = match === null ? Number.NaN : Date.parse(text);
  const [, year, month, day] = match ?? [];
  // Date.parse rolls 2025-02-30 over into March: the date must name a real day
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (Number.isNaN(at) || calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day) || Number(year) < 1) {
    throw new InvalidCommand(`${field} must be an ISO 8601 date or date-time with a zone, such as 2025-03-01T12:00:00Z`, { field });
  }
  return new Date(at);
}
