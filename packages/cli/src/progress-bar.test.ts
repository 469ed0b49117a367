import { describe, expect, it } from 'vitest';
import { createProgressBar, formatDuration, progressLine } from './progress-bar.js';

describe('progressLine', () => {
  it('shows done/total, percent, rate and ETA', () => {
    expect(progressLine('rebuilding', 'events', 45_000, 100_000, 3_000, 10)).toBe(
      'rebuilding [####······] 45% 45,000/100,000 events · 15,000 events/s · ETA 4s',
    );
  });
  it('never passes 100% nor shows a rate before time has passed', () => {
    expect(progressLine('x', 'e', 150, 100, 0, 4)).toBe('x [####] 100% 150/100 e · 0 e/s · ETA ?');
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect(formatDuration(4_400)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_780_000)).toBe('1h03m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('createProgressBar', () => {
  it('redraws one line on a terminal and writes spaced lines elsewhere', () => {
    let clock = 0;
    const written: string[] = [];
    const plain = { write: (s: string) => written.push(s) !== 0, isTTY: false } as unknown as NodeJS.WritableStream;
    const bar = createProgressBar({ label: 'seed', stream: plain, now: () => clock, plainEveryMs: 1_000 });
    bar.update(1, 10);
    clock = 500;
    bar.update(2, 10);
    clock = 1_200;
    bar.update(3, 10);
    bar.finish('done');
    expect(written).toHaveLength(3);
    expect(written[2]).toBe('seed: done in 1s\n');

    const tty: string[] = [];
    const terminal = { write: (s: string) => tty.push(s) !== 0, isTTY: true, columns: 80 } as unknown as NodeJS.WritableStream;
    const live = createProgressBar({ label: 'seed', stream: terminal, now: () => clock });
    live.update(1, 2);
    live.update(2, 2);
    expect(tty.every((s) => s.startsWith('\r'))).toBe(true);
  });
});
