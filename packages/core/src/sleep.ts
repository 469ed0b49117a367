// A pause that a signal can cut short, for loops that must stop promptly.

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** A wake-up flag: `wake()` may come before `wait()` and is not lost. */
export function createWakeSignal(): { wake: () => void; wait: (timeoutMs: number, signal?: AbortSignal) => Promise<void> } {
  let pending = false;
  let resolveWaiter: (() => void) | undefined;
  return {
    wake() {
      pending = true;
      resolveWaiter?.();
    },
    async wait(timeoutMs, signal) {
      // an abort that came before the wait fires no event: without this the wait would last its full timeout
      if (signal?.aborted === true) return;
      if (pending) {
        pending = false;
        return;
      }
      const controller = new AbortController();
      const onAbort = (): void => controller.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      resolveWaiter = () => controller.abort();
      try {
        await sleep(timeoutMs, controller.signal);
      } finally {
        resolveWaiter = undefined;
        signal?.removeEventListener('abort', onAbort);
        pending = false;
      }
    },
  };
}
