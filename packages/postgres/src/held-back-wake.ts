// Waking a store's subscribers while committed events stay hidden behind an older open transaction.
import type { ChannelSubscriptions } from './channel-subscriptions.js';

export interface HeldBackWake {
  /** Told after each read whether it found events held back. */
  saw(heldBack: boolean): void;
  stop(): void;
}

/**
 * Events hidden behind an open transaction become readable when it ends, and nothing announces that: the
 * subscribers are woken after `firstMs`, then twice as long while reads still find some hidden, up to `maxMs`
 * (one timer for all readers).
 */
export function heldBackWake(subscriptions: Pick<ChannelSubscriptions, 'size' | 'wakeLocally'>, firstMs: number, maxMs: number): HeldBackWake {
  let timer: NodeJS.Timeout | undefined;
  let delayMs = firstMs;
  return {
    saw(heldBack) {
      if (!heldBack) {
        delayMs = firstMs;
        return;
      }
      if (timer !== undefined || subscriptions.size === 0) return;
      timer = setTimeout(() => {
        timer = undefined;
        subscriptions.wakeLocally();
      }, delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, maxMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
