// The Redis projection store's subscriptions: one subscriber connection, opened on first use, wakes checkpoint
// listeners and control listeners; after a reconnect, when publications may have been missed, it wakes them all.
import type { Unsubscribe } from '@twofold/core';
import type { Redis } from './redis-client.js';
import type { RedisProjectionKeys } from './redis-projection-keys.js';

export interface RedisProjectionSubscriber {
  /** A checkpoint may have moved (the publication does not say which: listeners read the checkpoints). */
  onCheckpointMoved(listener: () => void): Unsubscribe;
  /** An operator may have changed how a projection runs. */
  onControl(listener: () => void): Unsubscribe;
  /** Ends the subscriber connection and drops every listener. */
  close(): Promise<void>;
}

const wakeAll = (listeners: Set<() => void>): void => {
  for (const listener of [...listeners]) {
    try {
      listener();
    } catch {
      // a listener's failure is its own
    }
  }
};

export function redisProjectionSubscriber(redis: Redis, keys: RedisProjectionKeys): RedisProjectionSubscriber {
  const moved = new Set<() => void>();
  const control = new Set<() => void>();
  let subscriber: Redis | undefined;

  function listen(): void {
    if (subscriber !== undefined) return;
    const connection = redis.duplicate();
    subscriber = connection;
    // failures show as reconnects; after one, moves and operators' changes may have been missed, so everyone is woken
    connection.on('error', () => undefined);
    let connectedBefore = false;
    connection.on('ready', () => {
      if (connectedBefore) {
        wakeAll(moved);
        wakeAll(control);
      }
      connectedBefore = true;
    });
    connection.on('message', (from: string) => {
      if (from === keys.checkpointMovedChannel) wakeAll(moved);
      else if (from === keys.controlChannel) wakeAll(control);
    });
    connection.subscribe(keys.checkpointMovedChannel, keys.controlChannel).catch(() => undefined);
  }

  const add = (to: Set<() => void>, listener: () => void): Unsubscribe => {
    listen();
    // wrapped: the same function subscribed twice is two subscriptions
    const wrapped = (): void => listener();
    to.add(wrapped);
    return () => {
      to.delete(wrapped);
    };
  };

  return {
    onCheckpointMoved: (listener) => add(moved, listener),
    onControl: (listener) => add(control, listener),
    async close() {
      moved.clear();
      control.clear();
      const connection = subscriber;
      subscriber = undefined;
      if (connection !== undefined) await connection.quit().catch(() => connection.disconnect());
    },
  };
}
