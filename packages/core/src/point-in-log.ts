// A point in the log a query can ask about ("time travel"): a global position, or an instant.
import { InvalidCommand } from './errors.js';
import type { StoredEvent } from './messages.js';

export type PointInLog = { readonly position: number } | { readonly time: Date };

const positionPattern = /^(0|[1-9][0-9]{0,15})$/;
// a calendar date and time with a zone, as Date.toISOString and RFC 3339 write them
const instantPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The engine's parser rolls 31 February over into March and takes 24:00; a point must name a real date and hour. */
function isRealDateAndHour(year: number, month: number, day: number, hour: number): boolean {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23;
}

/**
 * Reads `?at=`: a non-negative integer is a global position, an ISO 8601 date-time with a zone is an instant.
 * Anything else is refused naming the field, so a mistyped point never answers a state nobody asked for.
 */
export function parsePointInLog(text: string, field = 'at'): PointInLog {
  if (positionPattern.test(text)) {
    const position = Number(text);
    if (Number.isSafeInteger(position)) return { position };
  } else {
    const parts = instantPattern.exec(text);
    if (parts !== null && isRealDateAndHour(Number(parts[1]), Number(parts[2]), Number(parts[3]), Number(parts[4]))) {
      const time = new Date(text);
      if (!Number.isNaN(time.getTime())) return { time };
    }
  }
  throw new InvalidCommand(`${field} must be a global position (an integer ≥ 0) or an ISO 8601 date-time with a zone, e.g. 2026-12-06T09:30:00Z`, { field });
}

/** Whether the event had been appended at that point: at or below the position, or recorded at or before the instant. */
export const appendedBy = (event: Pick<StoredEvent, 'globalPosition' | 'recordedAt'>, point: PointInLog): boolean =>
  'position' in point ? event.globalPosition <= point.position : event.recordedAt.getTime() <= point.time.getTime();
