// An in-process registry of notification listeners per channel, shared by the pg and PGlite clients.

export interface NotificationHub {
  /** Adds a listener; the returned function removes it. */
  add(channel: string, listener: () => void): () => void;
  /** Calls every listener of the channel; a listener that throws does not stop the others. */
  dispatch(channel: string): void;
  channels(): readonly string[];
  listenerCount(channel: string): number;
}

export function createNotificationHub(onListenerError: (error: unknown) => void = () => undefined): NotificationHub {
  const listeners = new Map<string, Set<() => void>>();
  return {
    add(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      // wrap, so the same function subscribed twice is two subscriptions
      const entry = (): void => listener();
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(channel) === set) listeners.delete(channel);
      };
    },
    dispatch(channel) {
      for (const listener of [...(listeners.get(channel) ?? [])]) {
        try {
          listener();
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    channels: () => [...listeners.keys()],
    listenerCount: (channel) => listeners.get(channel)?.size ?? 0,
  };
}
