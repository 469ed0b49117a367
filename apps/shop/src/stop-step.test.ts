import type { Logger } from '@twofold/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { slowStopWarningMs, stopStep } from './stop-step.js';

function recordingLogger(): { logger: Logger; warnings: unknown[] } {
  const warnings: unknown[] = [];
  const ignore = (): void => undefined;
  const logger = { warn: (fields: unknown) => void warnings.push(fields), info: ignore, error: ignore, debug: ignore } as unknown as Logger;
  return { logger, warnings };
}

describe('stopStep', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('names a part still stopping at each multiple of the warning period, and stops warning once it stopped', async () => {
    const { logger, warnings } = recordingLogger();
    let finish!: () => void;
    const stopping = stopStep(logger, 'relay', () => new Promise<void>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(slowStopWarningMs - 1);
    expect(warnings).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * slowStopWarningMs);
    expect(warnings).toEqual([expect.objectContaining({ part: 'relay' }), expect.objectContaining({ part: 'relay' })]);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(3 * slowStopWarningMs);
    expect(warnings).toHaveLength(2);
  });

  it('says nothing of a part that stops in time, and swallows a part that fails to stop', async () => {
    const { logger, warnings } = recordingLogger();
    await stopStep(logger, 'stores', async () => undefined);
    await expect(stopStep(logger, 'relay', () => Promise.reject(new Error('gone')))).resolves.toBeUndefined();
    await expect(stopStep(logger, 'gates', () => { throw new Error('gone'); })).resolves.toBeUndefined();
    await vi.advanceTimersByTimeAsync(2 * slowStopWarningMs);
    expect(warnings).toEqual([]);
  });
});
