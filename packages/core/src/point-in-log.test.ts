import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidCommand } from './errors.js';
import { appendedBy, parsePointInLog } from './point-in-log.js';

const refusedNaming = (field: string) => (error: unknown) => error instanceof InvalidCommand && error.details.field === field;

describe('parsePointInLog', () => {
  it('reads every safe non-negative integer as that position', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(parsePointInLog(String(n))).toEqual({ position: n });
      }),
    );
  });

  it('reads every instant written by toISOString, or with an offset, as that instant', () => {
    const instants = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instants, fc.integer({ min: -12 * 60, max: 14 * 60 }), (instant, offsetMinutes) => {
        expect(parsePointInLog(instant.toISOString())).toEqual({ time: instant });
        // the same instant in another zone
        const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const zone = `${sign}${String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0')}:${String(Math.abs(offsetMinutes) % 60).padStart(2, '0')}`;
        if (!local.startsWith('+') && !local.startsWith('-')) expect(parsePointInLog(`${local}${zone}`)).toEqual({ time: instant });
      }),
    );
  });

  it('answers any text with a point it names exactly, or refuses it naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9T:.Z+-]{1,30}$/)), (text) => {
        let point: ReturnType<typeof parsePointInLog>;
        try {
          point = parsePointInLog(text, 'at');
        } catch (error) {
          expect(error).toSatisfy(refusedNaming('at'));
          return;
        }
        if ('position' in point) expect(String(point.position)).toBe(text);
        else expect(Number.isNaN(point.time.getTime())).toBe(false);
      }),
    );
  });

  it('refuses dates that do not exist, hours past 23, fractions, signs, exponents and times without a zone', () => {
    for (const text of ['2026-02-29T00:00:00Z', '2026-02-31T00:00:00Z', '2026-04-31T12:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00', '2026-01-01', '1.5', '-1', '+3', '1e3', '01', '', ' 1', '9007199254740992']) {
      expect(() => parsePointInLog(text), text).toThrow(InvalidCommand);
    }
    expect(parsePointInLog('2028-02-29T00:00:00Z')).toEqual({ time: new Date('2028-02-29T00:00:00Z') });
  });
});

describe('appendedBy', () => {
  const event = { globalPosition: 7, recordedAt: new Date('2026-12-06T10:00:00Z') };
  it('counts an event at or below a position, and one recorded at or before an instant', () => {
    expect([6, 7, 8].map((position) => appendedBy(event, { position }))).toEqual([false, true, true]);
    expect(['2026-12-06T09:59:59.999Z', '2026-12-06T10:00:00Z'].map((t) => appendedBy(event, { time: new Date(t) }))).toEqual([false, true]);
  });
});
