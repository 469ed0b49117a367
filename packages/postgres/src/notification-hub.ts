// An in-process registry of notification listeners per channel, shared by the pg and PGlite clients.

/** Called with what the notifier said of the change, or undefined when it said nothing (or a notification may have been missed). */
export type NotificationListener = (payload: string | undefined) => void;

export interface NotificationHub {
  /** Adds a listener; the returned function removes it. */
  add(channel: string, listener: NotificationListener): () => void;
  /** Calls every listener of the channel; a listener that throws does not stop the others. */
  dispatch(channel: string, payload?: string): void;
  channels(): readonly string[];
  listenerCount(channel: string): number;
}

export function createNotificationHub(onListenerError: (error: unknown) => void = () => undefined): NotificationHub {
  const listeners = new Map<string, Set<NotificationListener>>();
  return {
    add(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      // wrap, so the same function subscribed twice is two subscriptions
      const entry: NotificationListener = (payload) => listener(payload);
      set.add(entry);
      return () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(channel) === set) listeners.delete(channel);
      };
    },
    dispatch(channel, payload) {
      for (const listener of [...(listeners.get(channel) ?? [])]) {
        try {
          listener(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    channels: () => [...listeners.keys()],
    listenerCount: (channel) => listeners.get(channel)?.size ?? 0,
  };
}
