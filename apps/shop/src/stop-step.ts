// One named step of a shutdown, watched: a part that takes long to stop says so, so a shutdown that hangs names the part.
import type { Logger } from '@twofold/core';

/** A part still stopping after this long is named in a warning, and again at each multiple of it. */
export const slowStopWarningMs = 5_000;

/** Stops one part; a failure is swallowed (the other parts still stop), and while it lasts past `slowStopWarningMs` it warns which part it is. */
export async function stopStep(logger: Logger | undefined, part: string, stop: () => Promise<void> | void): Promise<void> {
  const startedAt = performance.now();
  const watch = setInterval(() => logger?.warn({ part, elapsedMs: Math.round(performance.now() - startedAt) }, 'still stopping'), slowStopWarningMs);
  watch.unref();
  try {
    await stop();
  } catch {
    // a part that fails to stop leaves the others to stop
  } finally {
    clearInterval(watch);
  }
}
