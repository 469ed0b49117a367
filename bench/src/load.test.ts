// The closed loop's window: operations that end after it are left out, unless counted by their start.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runClosedLoop } from './load.js';

describe('runClosedLoop', () => {
  const slow = { concurrency: 2, durationMs: 40, operation: () => sleep(60) };

  it('counts only the operations that begin and end inside the window', async () => {
    const result = await runClosedLoop(slow);
    expect(result.operations).toBe(0);
  });

  it('with countByStart, counts every operation begun inside the window and waits for it', async () => {
    const result = await runClosedLoop({ ...slow, countByStart: true });
    expect(result.operations).toBe(2);
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(55);
  });
});
