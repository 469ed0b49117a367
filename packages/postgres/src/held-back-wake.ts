// Events hidden behind an open transaction become readable when it ends, and nothing announces that: the store wakes
// its own subscribers until a read no longer finds any hidden (one timer for all readers), backing off meanwhile.
import type { ChannelSubscriptions } from './channel-subscriptions.js';

export interface HeldBackWake {
  /** After each read: whether it found committed events still hidden. */
  saw(heldBack: boolean): void;
  stop(): void;
}

export function heldBackWake(subscriptions: ChannelSubscriptions, firstWakeMs: number, maxWakeMs: number): HeldBackWake {
  let timer: NodeJS.Timeout | undefined;
  let delayMs = firstWakeMs;
  return {
    saw(heldBack) {
      if (!heldBack) {
        delayMs = firstWakeMs;
        return;
      }
      if (timer !== undefined || subscriptions.size === 0) return;
      timer = setTimeout(() => {
        timer = undefined;
        subscriptions.wakeLocally();
      }, delayMs);
      timer.unref();
      delayMs = Math.min(delayMs * 2, maxWakeMs);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
